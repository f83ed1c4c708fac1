"""Dismissing unfounded reports: a reported listing that is still on sale leaves the
"Reported" queue without punishing its seller.

Before, the queue offered such a listing only "Reject" and "Remove listing" (Approve
showed for pending or hidden listings alone), so one unfounded report kept it there for
good.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from tokenmart.audit.models import AuditEntry
from tokenmart.barter import reports_service
from tokenmart.barter.models import Listing, ListingReport
from tokenmart.errors import Forbidden, InvalidState
from tokenmart.extensions import db
from tokenmart.notifications.models import Notification

QUEUE = "/admin/barter/"


def _reported_skincare(make_user: Any, make_listing: Any, reporters: int = 1) -> int:
    """An active listing reported as an ad by `reporters` people (3 hide it); its id."""
    listing_id = make_listing(make_user("seller"), title="Skincare sample set")["id"]
    for n in range(reporters):
        reports_service.report_listing(listing_id, make_user(f"reporter{n}"), "spam",
                                       "looks like an ad")
    db.session.commit()
    return listing_id


def _listing(listing_id: int) -> Listing:
    db.session.expire_all()
    return db.session.get(Listing, listing_id)


def _reported_queue(api: Any, admin: Any) -> list[int]:
    items = api(admin).get("/api/v1/admin/listings?kind=reported").get_json()["items"]
    return [x["id"] for x in items]


def _dismissals(listing_id: int) -> list[AuditEntry]:
    return list(db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "listing.reports_dismissed",
                                    AuditEntry.target_id == str(listing_id))).scalars())


def _notifications() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one()


def test_queue_offers_dismissing_the_reports_of_a_listing_on_sale_with_a_confirm(
        make_user: Any, make_listing: Any, admin: Any, pages: Any) -> None:
    listing_id = _reported_skincare(make_user, make_listing)
    client = pages(admin)
    soup = BeautifulSoup(client.get(QUEUE).get_data(as_text=True), "html.parser")
    row = soup.select_one(f"[data-testid=queue-{listing_id}]")
    assert "On sale" in row.get_text() and "looks like an ad" in row.get_text()
    button = row.select_one(f"[data-testid=dismiss-{listing_id}]")
    assert button is not None and button.get_text(strip=True) == "Dismiss the reports"
    form = button.find_parent("form")
    assert form["action"].endswith(f"/listings/{listing_id}/dismiss")
    assert form["data-confirm"] == ("Dismiss the reports? The listing stays as it is. "
                                    "Nobody is notified.")
    assert row.select_one(f"[data-testid=approve-{listing_id}]") is None  # not a review
    zh = BeautifulSoup(client.get(f"{QUEUE}?lang=zh_Hans").get_data(as_text=True),
                       "html.parser")
    button = zh.select_one(f"[data-testid=dismiss-{listing_id}]")
    assert button.get_text(strip=True) == "驳回举报"
    assert button.find_parent("form")["data-confirm"] == "驳回这些举报吗？这个宝贝保持原样。不会通知任何人。"


def test_dismissing_clears_the_queue_keeps_the_listing_on_sale_and_is_audited(
        make_user: Any, make_listing: Any, admin: Any, pages: Any, api: Any) -> None:
    listing_id = _reported_skincare(make_user, make_listing)
    assert _reported_queue(api, admin) == [listing_id]
    told_before = _notifications()
    client = pages(admin)
    resp = client.post(f"/admin/barter/listings/{listing_id}/dismiss", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Reports dismissed." in html
    assert f'data-testid="dismiss-{listing_id}"' not in html  # out of the queue
    assert _reported_queue(api, admin) == []
    listing = _listing(listing_id)
    assert (listing.status, listing.hidden_reason, listing.open_reports) == ("active", None, 0)
    assert listing.moderation_reason is None
    assert listing_id in [x["id"] for x in api().get("/api/v1/listings").get_json()["items"]]
    assert all(r.reviewed_at is not None for r in db.session.execute(
        sa.select(ListingReport).where(ListingReport.listing_id == listing_id)).scalars())
    [row] = _dismissals(listing_id)
    assert row.actor_id == admin.id and row.after == {"status": "active"}
    # nobody hears of it: no "removed" to the reporters, no "approved" to the seller
    assert _notifications() == told_before


def test_dismissing_shows_a_listing_the_reports_hid_again(
        make_user: Any, make_listing: Any, admin: Any, pages: Any, api: Any) -> None:
    listing_id = _reported_skincare(make_user, make_listing, reporters=3)
    assert _listing(listing_id).hidden_reason == "reports"
    client = pages(admin)
    soup = BeautifulSoup(client.get(QUEUE).get_data(as_text=True), "html.parser")
    form = soup.select_one(f"[data-testid=dismiss-{listing_id}]").find_parent("form")
    assert "shows on the market again" in form["data-confirm"]
    client.post(f"/admin/barter/listings/{listing_id}/dismiss")
    listing = _listing(listing_id)
    assert (listing.status, listing.hidden_reason, listing.open_reports) == ("active", None, 0)
    assert _reported_queue(api, admin) == []


def test_a_second_dismissal_changes_nothing_and_is_not_audited_twice(
        make_user: Any, make_listing: Any, admin: Any, pages: Any) -> None:
    listing_id = _reported_skincare(make_user, make_listing)
    client = pages(admin)
    client.post(f"/admin/barter/listings/{listing_id}/dismiss")
    html = client.post(f"/admin/barter/listings/{listing_id}/dismiss",
                       follow_redirects=True).get_data(as_text=True)
    assert "That is not possible any more; the page was out of date." in html
    assert len(_dismissals(listing_id)) == 1
    with pytest.raises(InvalidState):
        reports_service.dismiss_reports(listing_id, admin)
    db.session.rollback()


def test_only_admins_can_dismiss_reports(
        make_user: Any, make_listing: Any, admin: Any, pages: Any, api: Any) -> None:
    listing_id = _reported_skincare(make_user, make_listing)
    seller = db.session.get(Listing, listing_id).seller_id
    for user in (db.session.get(type(admin), seller), make_user("someone")):
        assert pages(user).post(f"/admin/barter/listings/{listing_id}/dismiss").status_code == 403
        with pytest.raises(Forbidden):
            reports_service.dismiss_reports(listing_id, user)
        db.session.rollback()
    assert pages().post(f"/admin/barter/listings/{listing_id}/dismiss").status_code == 302
    assert _listing(listing_id).open_reports == 1
    assert _reported_queue(api, admin) == [listing_id]
    assert _dismissals(listing_id) == []
