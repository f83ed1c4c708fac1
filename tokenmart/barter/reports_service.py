"""Reports and moderation: one report per user per listing; enough distinct reports
hide a listing until a moderator reviews it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.accounts.models import User
from tokenmart.audit import service as audit
from tokenmart.barter.listings_service import (
    get_listing,
    get_visible_listing,
    reported,
    transition_listing,
)
from tokenmart.barter.models import Listing, ListingReport
from tokenmart.barter.settings import setting
from tokenmart.core.clock import utcnow
from tokenmart.errors import N_, Conflict, Forbidden, InvalidState
from tokenmart.extensions import db


def report_listing(listing_id: int, reporter: User, reason: str, note: str = "") -> ListingReport:
    """Record a report (409 already_reported on a repeat); the Nth distinct one hides it."""
    listing = get_visible_listing(listing_id, reporter)
    if listing.seller_id == reporter.id:
        raise Forbidden(N_("You cannot report your own listing."), code="own_listing")
    report = ListingReport(listing_id=listing_id, reporter_id=reporter.id, reason=reason,
                           note=(note or "").strip()[:500])
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("You already reported this listing."), code="already_reported") from exc
    # The counter moves in the database, so concurrent reports each count once.
    count = db.session.execute(
        sa.update(Listing).where(Listing.id == listing_id)
        .values(open_reports=Listing.open_reports + 1)
        .returning(Listing.open_reports)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if count >= int(setting("BARTER_REPORTS_TO_HIDE")):
        db.session.execute(
            sa.update(Listing)
            .where(Listing.id == listing_id, Listing.hidden_reason.is_(None))
            .values(hidden_reason="reports")
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(listing)
    return report


def _close_reports(listing_id: int) -> bool:
    """Mark the listing's reports reviewed (it shows again if they hid it); returns
    whether it had any to close.

    The listing row is updated first, so a report being filed meanwhile (it bumps the
    same row) is either closed here or counted after, never closed yet still counted."""
    had_reports = db.session.execute(
        sa.update(Listing).where(Listing.id == listing_id, reported())
        .values(open_reports=0,
                hidden_reason=sa.case((Listing.hidden_reason == "reports", None),
                                      else_=Listing.hidden_reason))
        .returning(Listing.id)
        .execution_options(synchronize_session=False)
    ).first() is not None
    db.session.execute(
        sa.update(ListingReport)
        .where(ListingReport.listing_id == listing_id, ListingReport.reviewed_at.is_(None))
        .values(reviewed_at=utcnow())
    )
    return had_reports


def _dismiss(listing_id: int, admin: User) -> Listing | None:
    """Close the listing's reports and audit it; None (and no audit row) when it had none."""
    listing = get_listing(listing_id)
    if not _close_reports(listing_id):
        return None
    db.session.refresh(listing)
    audit.record(admin.id, "listing.reports_dismissed", "listing", listing_id, None,
                 {"status": listing.status})
    return listing


def dismiss_reports(listing_id: int, admin: User) -> Listing:
    """Close a listing's reports as unfounded and change nothing else: its status stays
    (a listing on sale stays on sale), and a listing the reports hid shows again.

    Neither the seller nor the reporters are notified: the seller was never told of the
    reports, and the reporters hear of nothing that did not happen (no "removed").
    Audited as listing.reports_dismissed, once: raises InvalidState when there is
    nothing to dismiss (another admin just did it), Forbidden for a non-admin, NotFound.
    """
    if not admin.is_admin:
        raise Forbidden()
    listing = _dismiss(listing_id, admin)
    if listing is None:
        raise InvalidState(N_("This listing has no reports to dismiss."))
    return listing


def approve_listing(listing_id: int, admin: User) -> Listing:
    """Publish a pending listing (closing its reports); on a listing past review this
    dismisses its reports as `dismiss_reports` does, and without any it changes nothing
    (a repeated approval is not an error).

    Raises Forbidden for a non-admin, NotFound, and InvalidState when a pending listing
    was just moved on by someone else.
    """
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.status == "pending_review":
        listing = transition_listing(listing_id, "approve", admin)  # 404 when missing
        _close_reports(listing_id)
        db.session.refresh(listing)
        return listing
    if not admin.is_admin:
        raise Forbidden()
    return _dismiss(listing_id, admin) or listing


def reject_listing(listing_id: int, admin: User, reason: str) -> Listing:
    listing = transition_listing(listing_id, "reject", admin, reason=reason)
    _close_reports(listing_id)
    db.session.refresh(listing)
    return listing


def remove_listing(listing_id: int, admin: User, reason: str) -> Listing:
    listing = transition_listing(listing_id, "remove", admin, reason=reason)
    _close_reports(listing_id)
    db.session.refresh(listing)
    return listing


def reports_for(listing_id: int) -> list[ListingReport]:
    return list(db.session.execute(
        sa.select(ListingReport).where(ListingReport.listing_id == listing_id)
        .order_by(ListingReport.id)
    ).scalars())
