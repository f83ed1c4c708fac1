"""Catalog pages of the back office: edit and deactivate templates, packs, campaigns."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tokenmart.extensions import db


def _admin_browser(app: Any) -> Any:
    browser = app.test_client()
    assert browser.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    return browser


def test_deactivate_and_edit_a_template(app: Any, admin: Any, make_template: Any) -> None:
    from tokenmart.coupons.models import CouponTemplate

    template = make_template(name="Old name", total_quantity=5)
    browser = _admin_browser(app)
    resp = browser.post(f"/admin/coupons/templates/{template.id}/deactivate")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).active is False
    browser.post(f"/admin/coupons/templates/{template.id}/edit",
                 data={"name": "New name", "total_quantity": "9", "per_user_limit": "2"})
    db.session.expire_all()
    saved = db.session.get(CouponTemplate, template.id)
    assert (saved.name, saved.total_quantity, saved.per_user_limit, saved.claimable) == (
        "New name", 9, 2, False)
    browser.post(f"/admin/coupons/templates/{template.id}/activate")
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).active is True
    page = browser.get("/admin/coupons/templates").get_data(as_text=True)
    assert "New name" in page and f"toggle-templates-{template.id}" in page


def test_pausing_a_campaign_stops_new_drives(app: Any, admin: Any, api: Any, make_user: Any,
                                            make_campaign: Any) -> None:
    campaign = make_campaign()
    browser = _admin_browser(app)
    browser.post(f"/admin/coupons/campaigns/{campaign.id}/deactivate")
    browser.post(f"/admin/coupons/campaigns/{campaign.id}/edit",
                 data={"title": "Renamed", "description": "now paused"})
    resp = api(make_user("alice")).post(f"/api/v1/campaigns/{campaign.id}/drives")
    assert resp.status_code == 404
    from tokenmart.coupons.models import Campaign

    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).title == "Renamed"
    actions = [r["action"] for r in api(admin).get("/api/v1/admin/audit-log").get_json()["items"]]
    assert actions[:2] == ["campaign.update", "campaign.update"]


def test_deactivated_pack_cannot_be_claimed(app: Any, admin: Any, api: Any, make_user: Any,
                                            make_template: Any) -> None:
    from tokenmart.coupons.templates_service import create_pack

    template = make_template()
    pack = create_pack(actor_id=None, name="Pack", claimable=True,
                       items=[{"template_id": template.id}])
    db.session.commit()
    _admin_browser(app).post(f"/admin/coupons/packs/{pack.id}/deactivate")
    resp = api(make_user("alice")).post(f"/api/v1/coupon-packs/{pack.id}/claims")
    assert resp.status_code == 404
