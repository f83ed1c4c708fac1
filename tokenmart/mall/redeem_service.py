"""Redeeming a reward: the mall's hot path.

`redeem_reward` runs inside the caller's one database transaction and settles every
race in the database, never in Python:
- the per-user limit with one conditional upsert on (reward, user);
- the debit through `ledger.transfer` (a conditional UPDATE on the user's balance);
- the stock with `UPDATE rewards SET stock = stock - 1 WHERE ... AND stock > 0` (a hot
  reward with N stock buckets: one unit from one bucket, `_take_bucket_stock`);
- a voucher code with `UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)` plus
  a unique foreign key from the redemption to the code.
Any refusal raises a DomainError; the request edge then rolls the whole transaction
back, so a refused redemption leaves nothing behind. The stock row (the one every
buyer of a hot reward contends for) is touched last, so its lock is held only for
the few statements before the commit.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.core import content_i18n, rawsql
from tokenmart.core.clock import utcnow
from tokenmart.core.db import bump_capped_counter
from tokenmart.core.metrics import REDEMPTIONS, count_outcomes
from tokenmart.errors import N_, DomainError, ValidationError
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.ledger.kinds import register_kind
from tokenmart.mall.errors import LimitReached, OutOfStock, RewardNotFound
from tokenmart.mall.models import Redemption, RewardUserCount, member_price, tier_price

__all__ = ["GRANTS", "LimitReached", "OutOfStock", "RedeemResult", "RewardNotFound",
           "redeem_reward"]

register_kind(
    "redemption",
    _l("Points mall redemption"),
    lambda d: _("Redeemed: %(reward)s",
                reward=content_i18n.from_snapshot(d.get("reward"), d.get("reward_tr"))),
)


# The hot path is raw SQL (core.rawsql): SQLAlchemy's per-statement CPU was larger
# than the statements themselves, and this path is what the load tests hammer.
# "Open" (active, inside its window) is the rule of catalog_service's `open_rewards_query`
# and `is_open`, here in SQL so the raw row needs no datetime parsing; the HTTP tests pin
# all three.
_OPEN_REWARD = rawsql.SQL("""
    SELECT id, name, currency, price, tier_prices, stock, per_user_limit, grant_type,
           coupon_template_id, coupon_pack_id, stock_buckets,
           NULLIF(CAST(translations AS TEXT), '{}')
    FROM rewards
    WHERE id = :id AND active = :true
      AND (starts_at IS NULL OR starts_at <= :now) AND (ends_at IS NULL OR ends_at > :now)""")
_TAKE_STOCK = rawsql.SQL("""
    UPDATE rewards SET stock = stock - 1
    WHERE id = :id AND active = :true AND stock > 0 RETURNING stock""")
# A hot reward keeps its stock in N bucket rows: each buyer takes a unit from the first
# bucket with stock counting from a random one (SKIP LOCKED: never queue behind another
# buyer), so concurrent buyers lock different rows. Finding no free bucket is not "sold
# out": a locked bucket may be rolled back. So the same statement also says whether any
# bucket still has committed stock; only when none has is the reward sold out, which
# makes exactly min(stock, demand) succeed. Otherwise the buyer retries after a pause.
# Why not wait on the locks instead: FOR UPDATE keeps its lock on a row whose re-check
# failed (a bucket emptied meanwhile), so buyers scanning from different starts held one
# empty bucket each while waiting for the other's: deadlocks (seen in the race test).
# SQLite serialises writers (BEGIN IMMEDIATE), so one plain UPDATE is exact there.
_TAKE_FROM_BUCKET = rawsql.SQL("""
    WITH taken AS (
        UPDATE reward_stock_buckets SET stock = stock - 1
        WHERE reward_id = :id AND stock > 0 AND bucket = (
            SELECT bucket FROM reward_stock_buckets WHERE reward_id = :id AND stock > 0
            ORDER BY bucket < :start, bucket LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING stock)
    SELECT (SELECT count(*) FROM taken),
           EXISTS (SELECT 1 FROM reward_stock_buckets WHERE reward_id = :id AND stock > 0)""")
_TAKE_FROM_BUCKET_SQLITE = rawsql.SQL("""
    UPDATE reward_stock_buckets SET stock = stock - 1
    WHERE reward_id = :id AND stock > 0 AND bucket = (
        SELECT bucket FROM reward_stock_buckets WHERE reward_id = :id AND stock > 0
        ORDER BY bucket < :start, bucket LIMIT 1)
    RETURNING stock""")
#: how long a buyer keeps retrying while every bucket with stock is locked by others
#: (each holds it for the few statements before its commit, milliseconds)
BUCKET_WAIT_SECONDS = 5.0
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
    stock_buckets: int
    #: the JSON text, or None for none (most rewards: no JSON to decode on the hot path)
    translations: str | None


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


def _count_redemption(reward_id: int, user_id: int, limit: int) -> None:
    """One conditional upsert: count this redemption, or raise LimitReached."""
    if not bump_capped_counter(RewardUserCount.__table__,
                               {"reward_id": reward_id, "user_id": user_id}, limit,
                               column="redeemed"):
        raise LimitReached(details={"per_user_limit": limit})


def _take_stock(reward_id: int) -> None:
    if rawsql.fetchone(_TAKE_STOCK, {"id": reward_id, "true": True}) is None:
        raise OutOfStock()


def _take_bucket_stock(reward_id: int, buckets: int) -> None:
    """Take one unit from one of the reward's `buckets` stock rows, or raise OutOfStock
    (every bucket's committed stock is 0). Raises a 503 in the pathological case where
    buckets stay locked by others for BUCKET_WAIT_SECONDS (the client retries its key)."""
    params = {"id": reward_id, "start": random.randrange(buckets)}  # noqa: S311 - spreads load
    if rawsql.dialect_name() != "postgresql":
        if rawsql.fetchone(_TAKE_FROM_BUCKET_SQLITE, params) is None:
            raise OutOfStock()
        return
    deadline, pause = time.monotonic() + BUCKET_WAIT_SECONDS, 0.001
    while True:
        taken, left = rawsql.fetchone(_TAKE_FROM_BUCKET, params) or (0, False)
        if taken:
            return
        if not left:
            raise OutOfStock()
        if time.monotonic() > deadline:
            raise DomainError(N_("This reward is very busy; retry in a moment."),
                              code="service_unavailable", status=503,
                              headers={"Retry-After": "1"})
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
        params["start"] = random.randrange(buckets)  # noqa: S311


def _take_voucher_code(reward_id: int) -> tuple[int, str]:
    row = rawsql.fetchone(_TAKE_CODE[rawsql.dialect_name()],
                          {"reward_id": reward_id, "true": True, "false": False})
    if row is None:
        raise OutOfStock(N_("This reward has no codes left."))
    return row[0], row[1]


def _grant_coupon(
    reward: Any, user_id: int, redemption_id: int, voucher_code: str | None
) -> dict[str, Any]:
    from tokenmart.coupons.service import issue_coupon, issue_pack

    if reward.coupon_pack_id is not None:
        coupons = issue_pack(reward.coupon_pack_id, user_id, source="redemption",
                             source_ref=str(redemption_id), attribution=("reward", reward.id))
    else:
        coupons = [issue_coupon(reward.coupon_template_id, user_id, source="redemption",
                                source_ref=str(redemption_id),
                                attribution=("reward", reward.id))]
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


@count_outcomes(REDEMPTIONS, "redeemed")  # tokenmart_redemptions_total by outcome
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
            N_("A physical reward needs a shipping address."),
            details={"fields": {"shipping_address": [N_("Required for physical rewards.")]}},
        )
    if reward.stock is not None and reward.stock <= 0:
        raise OutOfStock()  # fast refusal once sold out; the UPDATE below is the real guard
    # The name as it is now, in every language it has: the wallet line reads in the
    # reader's language and does not change if the reward is renamed later.
    details = {"reward_id": reward.id, **content_i18n.kept(
        "reward", reward.name,
        rawsql.from_db_json(reward.translations) if reward.translations else None)}
    price = member_price(user_id, reward.id, reward.currency,
                         tier_price(rawsql.from_db_json(reward.tier_prices), reward.price, tier),
                         record=True)

    if reward.per_user_limit is not None:
        _count_redemption(reward.id, user_id, reward.per_user_limit)
    posted = ledger.transfer(
        "redemption", reward.currency, price, ledger.user(user_id), ledger.BURN,
        actor_id=user_id, details=details,
        attribution=("reward", reward.id),
        atomic=False,  # any refusal rolls the whole request back (see module docstring)
    )
    if reward.stock is not None:
        if reward.stock_buckets > 1:
            _take_bucket_stock(reward.id, reward.stock_buckets)
        else:
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
