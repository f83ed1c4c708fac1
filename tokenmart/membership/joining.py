"""Joining a card: free at once, conditional when the condition is met, paid through the
ledger (buying again before the end extends from the current end), light with the fee held
from credits. One membership row per (card, user); the UNIQUE constraint settles races.

Every function only flushes; the caller (request edge or job) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.membership import packs
from tokenmart.membership.errors import AlreadyMember, NotEligible
from tokenmart.membership.models import HOLD_ACCOUNT, REVENUE_ACCOUNT, CardProgram, Membership
from tokenmart.membership.programs import card_words, get_card
from tokenmart.notifications import service as notifications


@dataclass(frozen=True)
class JoinCost:
    """What joining takes from the user's balance, for the confirmation page.

    `currency` is None when joining takes nothing (free and conditional cards). `short` is
    how much more the user needs (0 when the balance covers it): the page says so and
    disables its button rather than letting a press be refused. It is read without a lock,
    so the ledger's conditional debit in `join_card` still decides.
    """

    currency: str | None
    amount: int
    balance: int
    short: int


def _price(card: CardProgram) -> tuple[str, int]:
    """(currency, amount) joining a paid or light card takes: the price, or the fee held
    from credits (cents). The one place of the amount, for the charge and for the page
    that announces it."""
    if card.kind == "paid":
        return card.currency or "coin", int(card.price or 0)
    return "credit", int(card.fee_cents or 0)


def join_cost(card: CardProgram, user_id: int) -> JoinCost:
    """What joining `card` would take from the user now, their balance and any shortfall."""
    if card.kind not in ("paid", "light"):
        return JoinCost(currency=None, amount=0, balance=0, short=0)
    currency, amount = _price(card)
    balance = ledger.balances_of(user_id).get(currency, 0)
    return JoinCost(currency=currency, amount=amount, balance=balance,
                    short=max(0, amount - balance))


def _ends(card: CardProgram, start: datetime) -> datetime | None:
    return start + timedelta(days=card.validity_days) if card.validity_days else None


def _find(card_id: int, user_id: int) -> Membership | None:
    return db.session.execute(
        sa.select(Membership).where(Membership.card_id == card_id, Membership.user_id == user_id)
        .with_for_update(of=Membership)
    ).scalar()


def _insert(card: CardProgram, user_id: int, now: datetime) -> Membership | None:
    """A new membership row, or None when one exists (also one a racer just committed)."""
    membership = Membership(card_id=card.id, user_id=user_id, status="active", term=1,
                            starts_at=now, ends_at=_ends(card, now), hold_cents=0, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(membership)
            db.session.flush()
    except IntegrityError:
        return None
    return membership


def _welcome(membership: Membership, card: CardProgram) -> None:
    """The coupon pack of step 0 and the "welcome" notification."""
    packs.issue_step(membership, card, 0)
    notifications.notify(membership.user_id, "membership",
                         {"event": "joined", **card_words(card.name, card.translations)},
                         link=f"/cards/{card.id}")


def issue_membership(card: CardProgram, user_id: int, *,
                     now: datetime | None = None) -> Membership | None:
    """Give a free or conditional card to the user once; None if they already hold it."""
    membership = _insert(card, user_id, now or utcnow())
    if membership is not None:
        _welcome(membership, card)
    return membership


def join_card(card_id: int, user_id: int, *, key: str | None = None,
              now: datetime | None = None) -> Membership:
    """The user joins (or buys, or renews) a card; all or nothing.

    Raises CardNotFound (404), AlreadyMember (409 already_member: free, conditional and
    a light card in use), NotEligible (403 not_eligible: a conditional card's condition is
    not met), InsufficientBalance (409: a paid card's price, a light card's fee).
    `key` (the request's Idempotency-Key) makes the ledger posting of a purchase unique.
    """
    card = get_card(card_id)
    now = now or utcnow()
    with db.session.begin_nested():
        if card.kind in ("free", "conditional"):
            return _join_once(card, user_id, now)
        if card.kind == "paid":
            return _buy(card, user_id, now, key)
        return _join_light(card, user_id, now)


def _join_once(card: CardProgram, user_id: int, now: datetime) -> Membership:
    if _find(card.id, user_id) is not None:
        raise AlreadyMember()
    if card.kind == "conditional":
        from tokenmart.membership.conditions import metric_value

        value = metric_value(user_id, card.condition_metric or "")
        if value < int(card.condition_threshold or 0):
            raise NotEligible(details={"metric": card.condition_metric, "value": value,
                                       "threshold": card.condition_threshold})
    membership = issue_membership(card, user_id, now=now)
    if membership is None:
        raise AlreadyMember()
    return membership


def _buy(card: CardProgram, user_id: int, now: datetime, key: str | None) -> Membership:
    """Charge the price, then start the card or extend it from its current end."""
    days = timedelta(days=int(card.validity_days or 0))
    membership = _find(card.id, user_id)
    fresh = False
    if membership is None:
        membership = _insert(card, user_id, now)
        fresh = membership is not None
        if membership is None:  # a racer created it: extend theirs
            membership = _find(card.id, user_id)
            assert membership is not None  # noqa: S101 - the unique row exists
    if not fresh:
        if membership.status == "active" and membership.ends_at and membership.ends_at > now:
            membership.ends_at = membership.ends_at + days  # renewal extends from the end
        else:  # ended: a new start
            membership.status, membership.term = "active", membership.term + 1
            membership.starts_at, membership.ends_at = now, now + days
            membership.warned_for = None
    db.session.flush()
    _charge(card, user_id, membership, key)
    if fresh or membership.starts_at == now:
        _welcome(membership, card)
    return membership


def _charge(card: CardProgram, user_id: int, membership: Membership, key: str | None) -> None:
    currency, price = _price(card)
    destination = ledger.system(REVENUE_ACCOUNT) if currency == "credit" else ledger.BURN
    posted = ledger.transfer(
        "card_purchase", currency, price, ledger.user(user_id), destination, actor_id=user_id,
        idempotency_key=f"card-buy:{user_id}:{key}" if key else None,
        details={**card_words(card.name, card.translations), "card_id": card.id},
    )
    if currency == "credit" and posted.created:
        from tokenmart.clearing.periods import record_revenue
        from tokenmart.membership.margin import PURCHASE_SOURCE

        # the card's name only: the period page words it (membership.margin)
        record_revenue(price, kind=PURCHASE_SOURCE, memo=card.name,
                       source_ref=f"card-buy:{posted.transaction_id}")


def _join_light(card: CardProgram, user_id: int, now: datetime) -> Membership:
    """Hold the fee from credits; a settled light card may be joined again (a new term)."""
    membership = _find(card.id, user_id)
    if membership is None:
        membership = _insert(card, user_id, now)
        if membership is None:
            raise AlreadyMember()
    elif membership.status == "active":
        raise AlreadyMember()
    else:
        membership.status, membership.term = "active", membership.term + 1
        membership.starts_at, membership.ends_at = now, _ends(card, now)
        membership.warned_for = membership.settled_at = membership.charged_cents = None
    _credit, fee = _price(card)
    ledger.transfer(
        "light_hold", "credit", fee, ledger.user(user_id), ledger.system(HOLD_ACCOUNT),
        actor_id=user_id, idempotency_key=f"light-hold:{membership.id}:{membership.term}",
        details={**card_words(card.name, card.translations), "card_id": card.id},
    )
    membership.hold_cents = fee
    db.session.flush()
    _welcome(membership, card)
    return membership
