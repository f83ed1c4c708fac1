"""Light membership: pay after, only for what was used.

At join the fee is held (joining.py). Each benefit use records its savings in cents:
- coupon discounts: the `discount_cents` of the card's own redeemed coupons of this term
  (read from the coupons, so a returned coupon stops counting);
- member prices: a `MemberSaving` row per redemption, the coins saved valued at the
  latest period rate (flowers count nothing).
At the term's end `settle` runs exactly once (a conditional UPDATE on the membership row
decides, and the ledger and margin bookings carry unique keys): charged = min(fee,
savings) goes to platform revenue of the period it settles in; the rest of the hold goes
back to the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.membership.benefits import ActiveCard
from tokenmart.membership.models import (
    HOLD_ACCOUNT,
    REVENUE_ACCOUNT,
    CardProgram,
    MemberSaving,
    Membership,
)
from tokenmart.membership.packs import SOURCE
from tokenmart.membership.programs import card_words
from tokenmart.notifications import service as notifications


def latest_coin_rate() -> int:
    """Cents per 1,000 coins of the last cleared period (0 before the first clearing)."""
    from tokenmart.clearing.periods import latest_report

    return int(latest_report().get("rate_cents_per_1000_coins") or 0)


def coins_value_cents(coins: int, rate: int | None = None) -> int:
    """What `coins` are worth in cents at the latest period rate, rounded down."""
    return coins * (latest_coin_rate() if rate is None else rate) // 1000


def record_member_price(card: ActiveCard, reward_id: int, currency: str, saved: int) -> None:
    """One member-price use on a light card (called by the mall's price hook)."""
    if card.kind != "light" or saved <= 0:
        return
    cents = coins_value_cents(saved) if currency == "coin" else 0
    db.session.add(MemberSaving(membership_id=card.membership_id, term=card.term,
                                kind="member_price", reward_id=reward_id, units=saved,
                                currency=currency, amount_cents=cents, created_at=utcnow()))
    db.session.flush()


def _coupon_savings(membership: Membership) -> int:
    from tokenmart.coupons.models import Coupon

    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Coupon.discount_cents), 0)).where(
            Coupon.user_id == membership.user_id, Coupon.source == SOURCE,
            Coupon.source_ref == f"{membership.id}:{membership.term}",
            Coupon.status == "redeemed")
    ).scalar_one())


def _price_savings(membership: Membership) -> int:
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(MemberSaving.amount_cents), 0)).where(
            MemberSaving.membership_id == membership.id, MemberSaving.term == membership.term)
    ).scalar_one())


def savings_cents(membership: Membership) -> int:
    """Everything the term's benefits saved so far, in cents."""
    return _coupon_savings(membership) + _price_savings(membership)


def charge_for(fee: int, savings: int) -> int:
    """The one rule of a light card: pay what you saved, at most the fee."""
    return max(0, min(fee, savings))


@dataclass(frozen=True)
class Bill:
    fee_cents: int
    hold_cents: int
    savings_cents: int
    #: what the member would pay if the term ended now (or what it charged, once settled)
    due_cents: int
    settled: bool


def bill(membership: Membership) -> Bill:
    """The running bill the card page and the API show."""
    fee = int(membership.card.fee_cents or 0)
    savings = savings_cents(membership)
    if membership.settled_at is not None and membership.status == "ended":
        return Bill(fee, membership.hold_cents, savings, int(membership.charged_cents or 0), True)
    return Bill(fee, membership.hold_cents, savings, charge_for(membership.hold_cents, savings),
                False)


@dataclass(frozen=True)
class Settlement:
    membership_id: int
    charged_cents: int
    released_cents: int


def settle(membership_id: int, now: datetime | None = None) -> Settlement | None:
    """Settle a light card's term once: None when it was settled before (or by a racer).

    Only flushes; the caller commits (the job commits per membership).
    """
    now = now or utcnow()
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.card.kind != "light" or membership.status != "active":
        return None
    savings = savings_cents(membership)
    hold = int(membership.hold_cents)
    charged = charge_for(hold, savings)
    won = db.session.execute(
        sa.update(Membership)
        .where(Membership.id == membership_id, Membership.status == "active",
               Membership.term == membership.term)
        .values(status="ended", settled_at=now, charged_cents=charged)
        .returning(Membership.id)
        .execution_options(synchronize_session=False)
    ).first()
    if won is None:
        return None  # someone else settled this term
    db.session.refresh(membership)
    released = hold - charged
    key = f"light-settle:{membership.id}:{membership.term}"
    card: CardProgram = membership.card
    words = card_words(card.name, card.translations)
    if hold > 0:
        legs = [ledger.Leg(ledger.system(HOLD_ACCOUNT), "credit", -hold)]
        if charged:
            legs.append(ledger.Leg(ledger.system(REVENUE_ACCOUNT), "credit", charged))
        if released:
            legs.append(ledger.Leg(ledger.user(membership.user_id), "credit", released))
        if len(legs) == 1:  # unreachable: hold = charged + released > 0
            raise AssertionError("a settlement needs two legs")
        ledger.post("light_release", legs, idempotency_key=key, at=now,
                    details={**words, "card_id": card.id, "charged": charged})
    if charged:
        from tokenmart.clearing.periods import record_revenue
        from tokenmart.membership.margin import LIGHT_FEE_SOURCE

        # the card's name only: the period page words it (membership.margin)
        record_revenue(charged, kind=LIGHT_FEE_SOURCE, memo=card.name,
                       at=now, source_ref=key)
    notifications.notify(membership.user_id, "membership",
                         {"event": "settled", **words, "charged": charged,
                          "saved": savings}, link=f"/cards/{card.id}")
    return Settlement(membership.id, charged, released)


def due_for_settlement(now: datetime | None = None) -> list[int]:
    """Light memberships whose term has ended and is not settled yet."""
    now = now or utcnow()
    return [int(i) for i in db.session.execute(
        sa.select(Membership.id).join(CardProgram, CardProgram.id == Membership.card_id)
        .where(CardProgram.kind == "light", Membership.status == "active",
               Membership.ends_at.is_not(None), Membership.ends_at <= now)
        .order_by(Membership.id)
    ).scalars()]


def open_holds_cents() -> int:
    """What the hold account must hold: the fees of light terms not yet settled."""
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Membership.hold_cents), 0))
        .join(CardProgram, CardProgram.id == Membership.card_id)
        .where(CardProgram.kind == "light", Membership.status == "active")
    ).scalar_one())
