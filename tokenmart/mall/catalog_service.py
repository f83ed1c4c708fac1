"""Reading the mall: open rewards, a reward's state and prices, my redemptions and one of
them, and the admin's read-only lists. Nothing here writes; the hot path is in
`redeem_service`, the catalog's changes in `admin_service`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tokenmart.core.clock import utcnow
from tokenmart.core.pagination import Page, paginate
from tokenmart.earning.targets import register_share_target
from tokenmart.errors import N_, NotFound
from tokenmart.extensions import db
from tokenmart.mall.errors import RewardNotFound
from tokenmart.mall.models import (
    Redemption,
    Reward,
    RewardUserCount,
    VoucherCode,
    member_price,
    member_price_source,
)


def is_open(reward: Any, now: datetime) -> bool:
    """Active and inside its window: the same rule as `open_rewards_query` and the hot
    path's SQL (the HTTP tests pin all three)."""
    return bool(
        reward.active
        and (reward.starts_at is None or reward.starts_at <= now)
        and (reward.ends_at is None or reward.ends_at > now)
    )


def reward_state(reward: Reward, now: datetime | None = None) -> str:
    """What a reader is told about a reward: one of models.REWARD_STATES.

    The order matters: an inactive reward is "inactive" even when sold out, and a
    reward is "sold_out" only while it could otherwise be redeemed.
    """
    now = now or utcnow()
    if not reward.active:
        return "inactive"
    if reward.starts_at is not None and reward.starts_at > now:
        return "scheduled"
    if reward.ends_at is not None and reward.ends_at <= now:
        return "ended"
    if reward.stock is not None and reward.stock <= 0:
        return "sold_out"
    return "active"


@dataclass(frozen=True)
class PriceView:
    """What one reader pays for a reward, and how it compares with the base price.

    `short` is how many units the reader lacks (0 when affordable, None when the
    balance is unknown, e.g. signed out), so pages never do the arithmetic themselves.
    """

    price: int
    base: int
    currency: str
    tier: str
    short: int | None
    #: the reader's words for the membership card whose member price `price` is (e.g.
    #: "Gold card"); None when the tier's own price stands, so the label names the tier
    member_source: str | None = None

    @property
    def discounted(self) -> bool:
        return self.price != self.base


def price_view(reward: Reward, tier: str | None, balances: dict[str, int] | None,
               user_id: int | None = None) -> PriceView:
    """The reader's price for `reward` (tier price if set, then any member price), what
    they are short of it, and which of the two set it.

    The price itself comes from `member_price`, the very function a redemption charges
    with; the source is asked separately (pages only) and only when a member discount
    actually lowered the tier price, so a card is named only when a card priced it.
    """
    tier_price = reward.price_for(tier)
    price = member_price(user_id, reward.id, reward.currency, tier_price)
    source = None
    if price < tier_price:
        source = member_price_source(user_id, reward.id, reward.currency, tier_price)
    short = None
    if balances is not None:
        short = max(0, price - int(balances.get(reward.currency, 0)))
    return PriceView(price=price, base=reward.price, currency=reward.currency,
                     tier=tier or "member", short=short, member_source=source)


def open_rewards_query(now: datetime | None = None) -> sa.Select[Any]:
    now = now or utcnow()
    return sa.select(Reward).where(
        Reward.active.is_(True),
        sa.or_(Reward.starts_at.is_(None), Reward.starts_at <= now),
        sa.or_(Reward.ends_at.is_(None), Reward.ends_at > now),
    )


def list_rewards(cursor: str | None, limit: int) -> Page:
    """Rewards open for redemption now, newest first."""
    return paginate(open_rewards_query(), Reward.id, cursor, limit)


def get_open_reward(reward_id: int) -> Reward:
    """The reward if it can be redeemed now (active and in its window), else RewardNotFound."""
    reward = db.session.get(Reward, reward_id)
    if reward is None or not is_open(reward, utcnow()):
        raise RewardNotFound()
    return reward


def get_reward(reward_id: int) -> Reward:
    """Any reward, open or not (admins, and a redemption's own reward); else NotFound."""
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise NotFound(N_("No such reward."))
    return reward


def list_all_rewards() -> list[Reward]:
    return list(db.session.execute(sa.select(Reward).order_by(Reward.id.desc())).scalars())


def redemptions_of(user_id: int, cursor: str | None, limit: int) -> Page:
    """The user's own redemptions, newest first."""
    return paginate(
        sa.select(Redemption).where(Redemption.user_id == user_id), Redemption.id, cursor, limit
    )


def get_redemption_of(user_id: int, redemption_id: int) -> tuple[Redemption, Reward]:
    """One of the user's own redemptions with its reward.

    Raises NotFound (never Forbidden) for someone else's, so ids reveal nothing.
    """
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or redemption.user_id != user_id:
        raise NotFound(N_("No such redemption."))
    return redemption, get_reward(redemption.reward_id)


def redemption_counts(user_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(RewardUserCount.reward_id, RewardUserCount.redeemed).where(
            RewardUserCount.user_id == user_id
        )
    ).all()
    return {r.reward_id: r.redeemed for r in rows}


def at_user_limit(reward: Reward, redeemed: int) -> bool:
    """Whether someone who redeemed `reward` `redeemed` times may not redeem it again:
    the page's side of the limit the redemption enforces in SQL (`_count_redemption`)."""
    return reward.per_user_limit is not None and redeemed >= reward.per_user_limit


def rewards_by_id(ids: Iterable[int]) -> dict[int, Reward]:
    """The rewards behind a page of redemptions, in one query."""
    ids = set(ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Reward).where(Reward.id.in_(ids))).scalars()
    return {r.id: r for r in rows}


def fulfilment_list(status: str | None, cursor: str | None, limit: int) -> Page:
    """Physical redemptions for admins; `status` pending or shipped (None: both)."""
    query = sa.select(Redemption).where(Redemption.shipping_status.is_not(None))
    if status:
        query = query.where(Redemption.shipping_status == status)
    return paginate(query, Redemption.id, cursor, limit)


def codes_left(reward_id: int) -> int:
    return int(db.session.execute(
        sa.select(sa.func.count()).select_from(VoucherCode).where(
            VoucherCode.reward_id == reward_id, VoucherCode.assigned.is_(False))
    ).scalar_one())


def _reward_shareable(reward_id: int) -> bool:
    reward = db.session.get(Reward, reward_id)
    return reward is not None and is_open(reward, utcnow())


def _reward_url(reward_id: int) -> str:
    from flask import url_for

    return url_for("mall.reward", reward_id=reward_id)


register_share_target("reward", _reward_url, _reward_shareable)
