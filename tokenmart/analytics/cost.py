"""Cost: coupon discounts actually redeemed, plus coins minted for the subject valued at
the latest cleared period's rate (cents per 1,000 coins); flowers minted are reported in
flowers, never converted (they are never worth cash)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.analytics.subjects import Subject, attributed, own_coupons
from tokenmart.coupons.models import Coupon
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry, LedgerTransaction


def latest_coin_rate() -> int | None:
    """Cents per 1,000 coins of the last cleared period that had a rate, else None."""
    from tokenmart.clearing.models import Clearing, Period

    return db.session.execute(
        sa.select(Clearing.rate_cents_per_1000_coins)
        .join(Period, Period.id == Clearing.period_id)
        .where(Clearing.rate_cents_per_1000_coins.is_not(None))
        .order_by(Period.ends_at.desc()).limit(1)
    ).scalar()


def minted(subject: Subject) -> dict[str, int]:
    """Tokens the mint issued in transactions attributed to the subject, per currency."""
    # The mint's ids go in as values, not a join: the planner then knows the mint holds a
    # large share of all entries and walks the few attributed transactions instead.
    mint_ids = list(db.session.execute(
        sa.select(Account.id).where(Account.system_code == "mint")).scalars())
    if not mint_ids:
        return {}
    rows = db.session.execute(
        sa.select(Entry.currency, -sa.func.sum(Entry.amount))
        .where(Entry.transaction_id.in_(
            sa.select(LedgerTransaction.id).where(attributed(LedgerTransaction, subject))),
            Entry.account_id.in_(mint_ids))
        .group_by(Entry.currency)
    ).all()
    return {currency: int(amount or 0) for currency, amount in rows}


def coins_to_cents(coins: int, rate: int | None) -> int:
    """Half up to the cent: 1,234 coins at 53 cents per 1,000 = 65 cents."""
    return (coins * (rate or 0) + 500) // 1000


def cost(subject: Subject) -> dict[str, Any]:
    discounts = int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Coupon.discount_cents), 0))
        .where(own_coupons(subject), Coupon.status == "redeemed")
    ).scalar_one())
    tokens = minted(subject)
    rate = latest_coin_rate()
    coins = tokens.get("coin", 0)
    coin_cents = coins_to_cents(coins, rate)
    return {
        "cost_cents": discounts + coin_cents,
        "cost_flowers": tokens.get("flower", 0),
        "cost_breakdown": {"discount_cents": discounts, "coins_minted": coins,
                           "coin_cents": coin_cents, "rate_cents_per_1000_coins": rate},
    }


def per(cost_cents: int, n: int) -> int | None:
    """Cost per unit, to the cent (half up); None when there is nothing to divide by."""
    return (2 * cost_cents + n) // (2 * n) if n else None


def roi(cost_cents: int, redeemed: int, acquired: int, retained: int) -> dict[str, int | None]:
    return {"per_redemption_cents": per(cost_cents, redeemed),
            "per_acquired_cents": per(cost_cents, acquired),
            "per_retained_cents": per(cost_cents, retained)}
