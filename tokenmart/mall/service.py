"""Rewards and redemptions: the rules of the points mall, and its hot path.

`redeem_reward` is the hot path. It runs inside the caller's one database transaction
and settles every race in the database, never in Python:
- the per-user limit with one conditional upsert on (reward, user);
- the debit through `ledger.transfer` (a conditional UPDATE on the user's balance);
- the stock with `UPDATE rewards SET stock = stock - 1 WHERE ... AND stock > 0`;
- a voucher code with `UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)` plus
  a unique foreign key from the redemption to the code.
Any refusal raises a DomainError; the request edge then rolls the whole transaction
back, so a refused redemption leaves nothing behind. The stock row (the one every
buyer of a hot reward contends for) is touched last, so its lock is held only for
the few statements before the commit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.audit import service as audit
from tokenmart.core import rawsql
from tokenmart.core.clock import utcnow
from tokenmart.core.db import bump_capped_counter
from tokenmart.core.pagination import Page, paginate
from tokenmart.earning.targets import register_share_target
from tokenmart.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationError
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.ledger.kinds import register_kind
from tokenmart.mall.models import (
    GRANT_TYPES,
    REWARD_CURRENCIES,
    Redemption,
    Reward,
    RewardUserCount,
    VoucherCode,
    tier_price,
)

TIERS = ("member", "silver", "gold", "platinum")
MAX_CODES_PER_UPLOAD = 10_000


class OutOfStock(Conflict):
    code, message = "out_of_stock", "This reward is sold out."


class LimitReached(Forbidden):
    code, message = "limit_reached", "You have redeemed this reward as often as allowed."


class RewardNotFound(NotFound):
    message = "No such reward, or it is not available now."


register_kind(
    "redemption",
    _l("Points mall redemption"),
    lambda d: _("Redeemed: %(reward)s", reward=d.get("reward", "")),
)


# ---------------------------------------------------------------- the hot path

# The hot path is raw SQL (core.rawsql): SQLAlchemy's per-statement CPU was larger
# than the statements themselves, and this path is what the load tests hammer.
# "Open" (active, inside its window) is the rule of `open_rewards_query` and `_is_open`,
# here in SQL so the raw row needs no datetime parsing; the HTTP tests pin all three.
_OPEN_REWARD = rawsql.SQL("""
    SELECT id, name, currency, price, tier_prices, stock, per_user_limit, grant_type,
           coupon_template_id, coupon_pack_id
    FROM rewards
    WHERE id = :id AND active = :true
      AND (starts_at IS NULL OR starts_at <= :now) AND (ends_at IS NULL OR ends_at > :now)""")
_TAKE_STOCK = rawsql.SQL("""
    UPDATE rewards SET stock = stock - 1
    WHERE id = :id AND active = :true AND stock > 0 RETURNING stock""")
# SKIP LOCKED lets concurrent buyers take different codes on PostgreSQL; SQLite has no
# row locks, and BEGIN IMMEDIATE already serialises writers there.
_TAKE_CODE = {
    "postgresql": rawsql.SQL("""
        UPDATE voucher_codes SET assigned = :true
        WHERE id = (SELECT id FROM voucher_codes
                    WHERE reward_id = :reward_id AND assigned = :false
                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, code"""),
    "sqlite": rawsql.SQL("""
        UPDATE voucher_codes SET assigned = :true
        WHERE id = (SELECT id FROM voucher_codes
                    WHERE reward_id = :reward_id AND assigned = :false ORDER BY id LIMIT 1)
        RETURNING id, code"""),
}
_INSERT_REDEMPTION = rawsql.SQL("""
    INSERT INTO redemptions (reward_id, user_id, price, currency, ledger_transaction_id,
                             voucher_code_id, voucher_code, shipping_address, shipping_status,
                             created_at)
    VALUES (:reward_id, :user_id, :price, :currency, :ledger_transaction_id, :voucher_code_id,
            :voucher_code, :shipping_address, :shipping_status, :created_at)
    RETURNING id""")


class _OpenReward(NamedTuple):
    id: int
    name: str
    currency: str
    price: int
    tier_prices: Any
    stock: int | None
    per_user_limit: int | None
    grant_type: str
    coupon_template_id: int | None
    coupon_pack_id: int | None


@dataclass(frozen=True)
class RedeemResult:
    id: int
    price: int
    currency: str
    balance_after: int
    grant: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "price": self.price, "currency": self.currency,
                "balance_after": self.balance_after, "grant": self.grant}


def _is_open(reward: Any, now: datetime) -> bool:
    return bool(
        reward.active
        and (reward.starts_at is None or reward.starts_at <= now)
        and (reward.ends_at is None or reward.ends_at > now)
    )


def _count_redemption(reward_id: int, user_id: int, limit: int) -> None:
    """One conditional upsert: count this redemption, or raise LimitReached."""
    if not bump_capped_counter(RewardUserCount.__table__,
                               {"reward_id": reward_id, "user_id": user_id}, limit,
                               column="redeemed"):
        raise LimitReached(details={"per_user_limit": limit})


def _take_stock(reward_id: int) -> None:
    if rawsql.fetchone(_TAKE_STOCK, {"id": reward_id, "true": True}) is None:
        raise OutOfStock()


def _take_voucher_code(reward_id: int) -> tuple[int, str]:
    row = rawsql.fetchone(_TAKE_CODE[rawsql.dialect_name()],
                          {"reward_id": reward_id, "true": True, "false": False})
    if row is None:
        raise OutOfStock("This reward has no codes left.")
    return row[0], row[1]


def _grant_coupon(
    reward: Any, user_id: int, redemption_id: int, voucher_code: str | None
) -> dict[str, Any]:
    from tokenmart.coupons.service import issue_coupon, issue_pack

    if reward.coupon_pack_id is not None:
        coupons = issue_pack(reward.coupon_pack_id, user_id, source="redemption",
                             source_ref=str(redemption_id))
    else:
        coupons = [issue_coupon(reward.coupon_template_id, user_id, source="redemption",
                                source_ref=str(redemption_id))]
    codes = [c.code for c in coupons]
    db.session.execute(
        sa.update(Redemption).where(Redemption.id == redemption_id)
        .values(coupon_code=" ".join(codes))
    )
    grant: dict[str, Any] = {"type": "coupon", "coupon_code": codes[0]}
    if len(codes) > 1:
        grant["coupon_codes"] = codes
    return grant


def _grant_voucher(
    reward: Any, user_id: int, redemption_id: int, voucher_code: str | None
) -> dict[str, Any]:
    # The code was taken before the redemption row was written (its FK is unique).
    return {"type": "voucher_codes", "voucher_code": voucher_code}


def _grant_physical(
    reward: Any, user_id: int, redemption_id: int, voucher_code: str | None
) -> dict[str, Any]:
    return {"type": "physical", "shipping_status": "pending", "tracking_no": None}


#: grant type -> what happens once the redemption row exists; returns the API `grant`.
#: Called as handler(reward_row, user_id, redemption_id, voucher_code_or_None).
GRANTS: dict[str, Callable[[Any, int, int, str | None], dict[str, Any]]] = {
    "voucher_codes": _grant_voucher,
    "physical": _grant_physical,
    "coupon": _grant_coupon,
}


def redeem_reward(
    reward_id: int, user_id: int, tier: str | None, shipping_address: str | None = None
) -> RedeemResult:
    """Redeem one unit of a reward for the user, inside the caller's transaction.

    Guarantees: exactly min(stock, demand) redemptions succeed under any concurrency;
    the balance never goes negative; a voucher code goes to one redemption only; the
    per-user limit holds. Only flushes: on any error the caller must roll back.
    Raises RewardNotFound (404), ValidationError (422, missing shipping address),
    LimitReached (403 limit_reached), InsufficientBalance (409), OutOfStock (409).
    """
    now = rawsql.db_datetime(utcnow())
    row = rawsql.fetchone(_OPEN_REWARD, {"id": reward_id, "true": True, "now": now})
    if row is None:
        raise RewardNotFound()
    reward = _OpenReward(*row)
    address = (shipping_address or "").strip()
    if reward.grant_type == "physical" and not address:
        raise ValidationError(
            "A physical reward needs a shipping address.",
            details={"fields": {"shipping_address": ["Required for physical rewards."]}},
        )
    if reward.stock is not None and reward.stock <= 0:
        raise OutOfStock()  # fast refusal once sold out; the UPDATE below is the real guard
    price = tier_price(rawsql.from_db_json(reward.tier_prices), reward.price, tier)

    if reward.per_user_limit is not None:
        _count_redemption(reward.id, user_id, reward.per_user_limit)
    posted = ledger.transfer(
        "redemption", reward.currency, price, ledger.user(user_id), ledger.BURN,
        actor_id=user_id, details={"reward_id": reward.id, "reward": reward.name},
        atomic=False,  # any refusal rolls the whole request back (see module docstring)
    )
    if reward.stock is not None:
        _take_stock(reward.id)
    voucher_id = voucher_code = None
    if reward.grant_type == "voucher_codes":
        voucher_id, voucher_code = _take_voucher_code(reward.id)
    physical = reward.grant_type == "physical"
    redemption_id = rawsql.scalar_one(_INSERT_REDEMPTION, {
        "reward_id": reward.id, "user_id": user_id, "price": price, "currency": reward.currency,
        "ledger_transaction_id": posted.transaction_id, "voucher_code_id": voucher_id,
        "voucher_code": voucher_code, "shipping_address": address if physical else None,
        "shipping_status": "pending" if physical else None, "created_at": now,
    })
    grant = GRANTS[reward.grant_type](reward, user_id, redemption_id, voucher_code)
    return RedeemResult(
        id=redemption_id, price=price, currency=reward.currency,
        balance_after=posted.balances[(user_id, reward.currency)], grant=grant,
    )


# ---------------------------------------------------------------- reading


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
    if reward is None or not _is_open(reward, utcnow()):
        raise RewardNotFound()
    return reward


def get_reward(reward_id: int) -> Reward:
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise NotFound("No such reward.")
    return reward


def list_all_rewards() -> list[Reward]:
    return list(db.session.execute(sa.select(Reward).order_by(Reward.id.desc())).scalars())


def redemptions_of(user_id: int, cursor: str | None, limit: int) -> Page:
    """The user's own redemptions, newest first."""
    return paginate(
        sa.select(Redemption).where(Redemption.user_id == user_id), Redemption.id, cursor, limit
    )


def redemption_counts(user_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(RewardUserCount.reward_id, RewardUserCount.redeemed).where(
            RewardUserCount.user_id == user_id
        )
    ).all()
    return {r.reward_id: r.redeemed for r in rows}


def reward_names(ids: Iterable[int]) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Reward.id, Reward.name).where(Reward.id.in_(ids))).all()
    return {r.id: r.name for r in rows}


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


# ---------------------------------------------------------------- admin


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details={"fields": {field: [message]}})


def _check_tier_prices(tier_prices: dict[str, Any] | None) -> dict[str, int]:
    result: dict[str, int] = {}
    for tier, value in (tier_prices or {}).items():
        if tier not in TIERS:
            raise _field_error("tier_prices", f"Unknown tier {tier!r}.")
        if type(value) is not int or value <= 0:
            raise _field_error("tier_prices", f"The {tier} price must be a positive integer.")
        result[tier] = value
    return result


def _check_coupon_grant(reward: Reward, grant: dict[str, Any]) -> None:
    """A coupon reward issues one template's coupon or a whole pack; either must exist."""
    from tokenmart.coupons import service as coupons

    template_id, pack_id = grant.get("template_id"), grant.get("pack_id")
    if (template_id is None) == (pack_id is None):
        raise _field_error("grant.template_id", "Give a template_id or a pack_id (one of them).")
    for name, value, getter in (("template_id", template_id, coupons.get_template),
                                ("pack_id", pack_id, coupons.get_pack)):
        if value is None:
            continue
        if type(value) is not int:
            raise _field_error(f"grant.{name}", "Must be an integer id.")
        try:
            getter(value)
        except NotFound:
            raise _field_error(f"grant.{name}", "No such coupon template or pack.") from None
    reward.coupon_template_id, reward.coupon_pack_id = template_id, pack_id


def clean_codes(codes: Iterable[str]) -> list[str]:
    """Strip, drop blanks and duplicates (keeping order); refuse over-long codes."""
    seen: dict[str, None] = {}
    for raw in codes:
        code = (raw or "").strip()
        if not code:
            continue
        if len(code) > 120:
            raise _field_error("codes", "A code is longer than 120 characters.")
        seen.setdefault(code, None)
    if len(seen) > MAX_CODES_PER_UPLOAD:
        raise _field_error("codes", f"At most {MAX_CODES_PER_UPLOAD} codes at a time.")
    return list(seen)


def parse_codes_csv(data: bytes) -> list[str]:
    """The first column of every row of a CSV file (a header row named "code" is skipped)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _field_error("file", "The file is not UTF-8 text.") from exc
    codes = [row[0] for row in csv.reader(io.StringIO(text)) if row]
    if codes and codes[0].strip().lower() == "code":
        codes = codes[1:]
    return clean_codes(codes)


def _snapshot(reward: Reward) -> dict[str, Any]:
    return {
        "name": reward.name, "currency": reward.currency, "price": reward.price,
        "tier_prices": reward.tier_prices, "stock": reward.stock,
        "per_user_limit": reward.per_user_limit, "active": reward.active,
        "grant_type": reward.grant_type,
    }


def create_reward(actor_id: int, data: dict[str, Any]) -> Reward:
    """Create a reward (audited). A voucher reward's stock is its number of codes.

    Raises ValidationError naming the field for a bad grant, tier price or window.
    """
    grant = data.get("grant") or {}
    grant_type = grant.get("type")
    if grant_type not in GRANT_TYPES:
        raise _field_error("grant.type", f"One of {', '.join(GRANT_TYPES)}.")
    if data["currency"] not in REWARD_CURRENCIES:
        raise _field_error("currency", "flower or coin.")
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        raise _field_error("ends_at", "Must be after starts_at.")
    reward = Reward(
        name=data["name"].strip(), description=(data.get("description") or "").strip(),
        image_url=(data.get("image_url") or "").strip(), currency=data["currency"],
        price=data["price"], tier_prices=_check_tier_prices(data.get("tier_prices")),
        stock=data.get("stock"), per_user_limit=data.get("per_user_limit"),
        starts_at=starts_at, ends_at=ends_at, active=data.get("active", True),
        grant_type=grant_type, created_at=utcnow(),
    )
    codes: list[str] = []
    if grant_type == "coupon":
        _check_coupon_grant(reward, grant)
    elif grant_type == "voucher_codes":
        codes = clean_codes(grant.get("codes") or [])
        reward.stock = 0
    db.session.add(reward)
    db.session.flush()
    # Create the burn account with the reward, so even the first redemption of a hot
    # reward stays on the lean path (no get-or-create of a system account inside it).
    ledger.system_account_id(ledger.BURN.code, reward.currency)
    if codes:
        add_voucher_codes(actor_id, reward, codes, audit_it=False)
    audit.record(actor_id, "mall.reward.create", "reward", reward.id, after=_snapshot(reward))
    return reward


EDITABLE = ("name", "description", "image_url", "price", "stock", "per_user_limit",
            "starts_at", "ends_at", "active", "tier_prices")


def update_reward(actor_id: int, reward_id: int, data: dict[str, Any]) -> Reward:
    """Change a reward's editable fields (audited). Voucher stock follows its codes."""
    reward = get_reward(reward_id)
    before = _snapshot(reward)
    for name in EDITABLE:
        if name not in data:
            continue
        value = data[name]
        if name == "tier_prices":
            value = _check_tier_prices(value)
        if name == "stock" and reward.grant_type == "voucher_codes":
            raise _field_error("stock", "A voucher reward's stock is its number of unused codes.")
        if name in ("name", "description", "image_url"):
            value = (value or "").strip()
        setattr(reward, name, value)
    if reward.starts_at and reward.ends_at and reward.ends_at <= reward.starts_at:
        raise _field_error("ends_at", "Must be after starts_at.")
    db.session.flush()
    audit.record(actor_id, "mall.reward.update", "reward", reward.id, before=before,
                 after=_snapshot(reward))
    return reward


def deactivate_reward(actor_id: int, reward_id: int) -> Reward:
    """Take a reward off the mall (audited); redemptions already made stay valid."""
    return update_reward(actor_id, reward_id, {"active": False})


def add_voucher_codes(
    actor_id: int, reward: Reward, codes: list[str], *, audit_it: bool = True
) -> int:
    """Preload codes for a voucher reward; stock rises by the number of new codes.

    Codes already loaded for this reward are skipped. Returns how many were added.
    """
    if reward.grant_type != "voucher_codes":
        raise InvalidState("Only voucher-code rewards take codes.")
    existing = set(db.session.execute(
        sa.select(VoucherCode.code).where(
            VoucherCode.reward_id == reward.id, VoucherCode.code.in_(codes))
    ).scalars()) if codes else set()
    new = [c for c in codes if c not in existing]
    if new:
        now = utcnow()
        db.session.execute(
            sa.insert(VoucherCode),
            [{"reward_id": reward.id, "code": c, "assigned": False, "created_at": now}
             for c in new],
        )
        db.session.execute(
            sa.update(Reward).where(Reward.id == reward.id)
            .values(stock=sa.func.coalesce(Reward.stock, 0) + len(new))
        )
        db.session.refresh(reward)
    if audit_it:
        audit.record(actor_id, "mall.voucher_codes.add", "reward", reward.id,
                     after={"added": len(new), "skipped": len(codes) - len(new)})
    return len(new)


def mark_shipped(actor_id: int, redemption_id: int, tracking_no: str | None) -> Redemption:
    """pending -> shipped, once (a conditional UPDATE); 409 invalid_state otherwise."""
    done = db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.shipping_status == "pending")
        .values(shipping_status="shipped", shipped_at=utcnow(),
                tracking_no=(tracking_no or "").strip() or None)
        .returning(Redemption.id)
    ).first()
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound("No such redemption.")
    if done is None:
        raise InvalidState("Only a pending physical redemption can be marked shipped.")
    db.session.refresh(redemption)
    audit.record(actor_id, "mall.redemption.ship", "redemption", redemption_id,
                 after={"tracking_no": redemption.tracking_no})
    return redemption


def _reward_shareable(reward_id: int) -> bool:
    reward = db.session.get(Reward, reward_id)
    return reward is not None and bool(_is_open(reward, utcnow()))


def _reward_url(reward_id: int) -> str:
    from flask import url_for

    return url_for("mall.reward", reward_id=reward_id)


register_share_target("reward", _reward_url, _reward_shareable)
