"""Reading memberships: my cards with their light-card bills, as the API and pages show them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.core.clock import utcnow
from tokenmart.core.pagination import Page, paginate
from tokenmart.extensions import db
from tokenmart.membership.errors import MembershipNotFound
from tokenmart.membership.light import bill
from tokenmart.membership.models import Membership


def gives_benefits(membership: Membership) -> bool:
    """Active and not past its end (an ended card stops at once, before the nightly job)."""
    return membership.status == "active" and (
        membership.ends_at is None or membership.ends_at > utcnow())


def membership_json(membership: Membership) -> dict[str, Any]:
    """The contract's membership object (light figures are 0 for other kinds)."""
    card = membership.card
    result: dict[str, Any] = {
        "id": membership.id, "card_id": card.id, "kind": card.kind,
        "status": membership.status if gives_benefits(membership) else "ended",
        "starts_at": membership.starts_at, "ends_at": membership.ends_at, "term": membership.term,
        "savings_cents": 0, "hold_cents": 0, "fee_cents": 0, "due_cents": 0,
    }
    if card.kind == "light":
        b = bill(membership)
        result.update(savings_cents=b.savings_cents, hold_cents=b.hold_cents,
                      fee_cents=b.fee_cents, due_cents=b.due_cents)
    return result


def memberships_of(user_id: int, cursor: str | None = None, limit: int = 100) -> Page:
    return paginate(sa.select(Membership).where(Membership.user_id == user_id),
                    Membership.id, cursor, limit)


def membership_for(user_id: int, card_id: int) -> Membership | None:
    return db.session.execute(
        sa.select(Membership).where(Membership.user_id == user_id, Membership.card_id == card_id)
    ).scalar()


def get_membership_of(user_id: int, membership_id: int) -> Membership:
    """One of the user's memberships; 404 for anyone else's."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.user_id != user_id:
        raise MembershipNotFound()
    return membership
