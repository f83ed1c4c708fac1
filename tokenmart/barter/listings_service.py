"""Listings: create, edit, withdraw and moderate through one transition table.

Every status change is a conditional UPDATE (`... WHERE status IN (allowed)`), so two
callers racing (an order and a withdrawal, two moderators) cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.audit import service as audit
from tokenmart.barter.models import Listing, ListingPhoto
from tokenmart.barter.photos import add_photo, prepare_photos, store_photo
from tokenmart.core.clock import utcnow
from tokenmart.errors import N_, DomainError, Forbidden, InvalidState, NotFound
from tokenmart.extensions import db
from tokenmart.notifications.service import notify

#: fields whose change sends an active listing back to review
REVIEWED_FIELDS = ("title", "description", "price")
EDITABLE_FIELDS = ("title", "description", "category", "condition", "price", "city", "handover")
#: the seller's notification event for each moderation action
MODERATION_EVENTS = {"approve": "approved", "reject": "rejected", "remove": "removed"}
EDITABLE_STATUSES = ("pending_review", "active", "rejected")


class NotYourListing(DomainError):
    status, code, message = 403, "not_your_listing", N_("This is not your listing.")


@dataclass(frozen=True)
class ListingTransition:
    sources: tuple[str, ...]
    target: str
    #: "owner", "admin" or "system" (orders)
    actor: str


LISTING_TRANSITIONS: dict[str, ListingTransition] = {
    "approve": ListingTransition(("pending_review",), "active", "admin"),
    "reject": ListingTransition(("pending_review", "active"), "rejected", "admin"),
    "withdraw": ListingTransition(("pending_review", "active", "rejected"), "withdrawn", "owner"),
    "resubmit": ListingTransition(("active", "rejected"), "pending_review", "owner"),
    "remove": ListingTransition(
        ("pending_review", "active", "rejected", "reserved", "sold", "withdrawn"), "removed",
        "admin",
    ),
    "reserve": ListingTransition(("active",), "reserved", "system"),
    "unreserve": ListingTransition(("reserved",), "active", "system"),
    "sell": ListingTransition(("reserved",), "sold", "system"),
    "retire": ListingTransition(("reserved",), "withdrawn", "system"),
}


def get_listing(listing_id: int) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(N_("No such listing."))
    return listing


def is_live(listing: Listing) -> bool:
    """On the market now: approved, still for sale and not hidden. The one rule for what
    can be ordered and shared (the share target "listing" asks it too), so a page never
    offers to share a listing the share service then refuses (a pending one did)."""
    return listing.status == "active" and listing.hidden_reason is None


def visible_to(listing: Listing, viewer: User | None) -> bool:
    """Anyone sees live listings; owners and admins see the rest."""
    if viewer is not None and (viewer.id == listing.seller_id or viewer.is_admin):
        return True
    return listing.status in ("active", "reserved", "sold") and listing.hidden_reason is None


def get_visible_listing(listing_id: int, viewer: User | None) -> Listing:
    listing = get_listing(listing_id)
    if not visible_to(listing, viewer):
        raise NotFound(N_("No such listing."))
    return listing


def create_listing(seller: User, data: dict[str, Any],
                   uploads: Sequence[tuple[str, IO[bytes]]] = ()) -> Listing:
    """A new listing in pending_review (validated by the schema/form) with its photos.

    Every photo is checked before anything is written, so a refused one (raised as
    `photos.prepare_photos` does, with its file name) leaves no listing behind.
    """
    renditions = prepare_photos(list(uploads))
    listing = Listing(seller_id=seller.id, status="pending_review",
                      **{k: data[k] for k in EDITABLE_FIELDS})
    db.session.add(listing)
    db.session.flush()
    for rendition in renditions:
        store_photo(listing.id, rendition)
    return listing


def transition_listing(
    listing_id: int, action: str, actor: User | None = None, *, reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Listing:
    """Apply `action` from LISTING_TRANSITIONS; 403 for the wrong actor, 409 invalid_state."""
    rule = LISTING_TRANSITIONS[action]
    listing = get_listing(listing_id)
    if rule.actor == "owner" and (actor is None or actor.id != listing.seller_id):
        raise NotYourListing()
    if rule.actor == "admin" and (actor is None or not actor.is_admin):
        raise Forbidden()
    values: dict[str, Any] = {"status": rule.target, "updated_at": utcnow(), **(extra or {})}
    if action in ("reject", "remove"):
        values["moderation_reason"] = reason
    if action in ("approve", "resubmit"):
        # Back in review (or live), an old rejection reason no longer applies.
        values["moderation_reason"] = None
    row = db.session.execute(
        sa.update(Listing)
        .where(Listing.id == listing_id, Listing.status.in_(rule.sources))
        .values(**values)
        .returning(Listing.id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        db.session.refresh(listing)
        raise InvalidState(
            N_("The listing is %(status)s; you cannot %(action)s it now."),
            params={"status": listing.status, "action": action},
            details={"status": listing.status, "action": action},
        )
    db.session.refresh(listing)
    if rule.actor == "admin" and actor is not None:
        audit.record(actor.id, f"listing.{action}", "listing", listing.id, None,
                     {"status": listing.status, "reason": reason})
        if action in ("approve", "reject", "remove"):
            notify(listing.seller_id, "barter",
                   {"event": MODERATION_EVENTS[action],
                    "title": listing.title, "reason": reason or ""},
                   link=f"/listings/{listing.id}")
    return listing


def edit_listing(listing_id: int, owner: User, changes: dict[str, Any]) -> Listing:
    """Change fields; a change of title, description or price sends it back to review."""
    listing = get_listing(listing_id)
    if listing.seller_id != owner.id:
        raise NotYourListing()
    changes = {k: v for k, v in changes.items()
               if k in EDITABLE_FIELDS and v is not None and getattr(listing, k) != v}
    if not changes:
        if listing.status not in EDITABLE_STATUSES:
            raise InvalidState(details={"status": listing.status})
        return listing
    values: dict[str, Any] = {**changes, "updated_at": utcnow()}
    if any(k in REVIEWED_FIELDS for k in changes):
        values.update(status="pending_review", moderation_reason=None)
    row = db.session.execute(
        sa.update(Listing)
        .where(Listing.id == listing_id, Listing.status.in_(EDITABLE_STATUSES))
        .values(**values)
        .returning(Listing.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.refresh(listing)
    if row is None:
        raise InvalidState(N_("A %(status)s listing cannot be edited."),
                           params={"status": listing.status}, details={"status": listing.status})
    return listing


def photos_changed(listing_id: int, owner: User) -> Listing:
    """Adding or removing a photo of an active or rejected listing sends it back to review."""
    listing = get_listing(listing_id)
    if listing.seller_id != owner.id:
        raise NotYourListing()
    if listing.status not in EDITABLE_STATUSES:
        raise InvalidState(N_("A %(status)s listing cannot be edited."),
                           params={"status": listing.status}, details={"status": listing.status})
    if listing.status != "pending_review":
        return transition_listing(listing_id, "resubmit", owner)
    return listing


def add_listing_photo(listing_id: int, owner: User, stream: IO[bytes]) -> ListingPhoto:
    """Add a photo to the owner's listing (an active one goes back to review).

    Raises as `photos_changed` and `photos.add_photo`; the caller rolls back on any
    error, so a refused photo never sends a listing back to review.
    """
    photos_changed(listing_id, owner)
    return add_photo(listing_id, stream)


def my_listings(owner_id: int, cursor: str | None, limit: int) -> Any:
    from tokenmart.core.pagination import paginate

    return paginate(sa.select(Listing).where(Listing.seller_id == owner_id), Listing.id,
                    cursor, limit)


def reported() -> sa.ColumnElement[bool]:
    """A listing with something for a moderator to review: open reports, or hidden by
    them. The one rule for the "reported" queue and for what a dismissal closes."""
    return sa.or_(Listing.open_reports > 0, Listing.hidden_reason == "reports")


def moderation_queue(kind: str, cursor: str | None, limit: int) -> Any:
    """`pending` (waiting for review) or `reported` (hidden by reports or with open reports)."""
    from tokenmart.core.pagination import paginate

    query = sa.select(Listing)
    if kind == "reported":
        query = query.where(reported(), Listing.status != "removed")
    else:
        query = query.where(Listing.status == "pending_review",
                            sa.or_(Listing.hidden_reason.is_(None),
                                   Listing.hidden_reason != "seller_banned"))
    return paginate(query, Listing.id, cursor, limit)
