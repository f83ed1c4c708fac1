"""A campaign with known drives, assists, redemptions and registrations gives exactly the
hand-computed funnel, acquisition, cost, effect and ROI."""

from __future__ import annotations

from typing import Any

from tests.analytics.conftest import RATE

#: 3 assists x 5 coins = 15 coins at 5.30 per 1,000 = 7.95 cents -> 8 (half up);
#: plus the 10.00 coupon redeemed = 1,008 cents
EXPECTED = {
    "funnel": {"issued": 1, "claimed": 0, "drives_started": 2, "assists": 3, "completed": 1,
               "redeemed": 1, "expired": 0, "returned": 0},
    "acquisition": {"registered": 2, "retained_7d": 1, "retained_30d": 1},
    "cost_cents": 1008,
    # newbie1's second check-in day paid owner_a's referral: 50 flowers, caused by the link
    "cost_flowers": 50,
    # reached: 2 owners, 3 helpers, 2 newbies; 3 check-ins; the owner's coupon redeemed
    "effect": {"reached": 7, "checkin_days": 3, "swaps": 0, "redemptions": 1,
               "flowers_spent": 0},
    "roi": {"per_redemption_cents": 1008, "per_acquired_cents": 504,
            "per_retained_cents": 1008},
}


def test_report_campaign_matches_hand_computed_figures(known_campaign: dict[str, Any]) -> None:
    from tokenmart.analytics.report import build_report, subject_for_path

    report = build_report(subject_for_path("campaign", known_campaign["campaign"].id))
    for key, value in EXPECTED.items():
        assert report[key] == value, key
    assert report["cost_breakdown"] == {"discount_cents": 1000, "coins_minted": 15,
                                        "coin_cents": 8, "rate_cents_per_1000_coins": RATE}
    assert report["rates"]["completed"] == 0.5
    assert report["rates"]["redeemed"] == 1.0
    assert "uplift" not in report


def test_attribution_is_recorded_at_the_source(known_campaign: dict[str, Any]) -> None:
    import sqlalchemy as sa

    from tokenmart.extensions import db
    from tokenmart.ledger.models import LedgerTransaction

    cid = known_campaign["campaign"].id
    kinds = db.session.execute(
        sa.select(LedgerTransaction.kind, sa.func.count())
        .where(LedgerTransaction.attribution_kind == "campaign",
               LedgerTransaction.attribution_id == cid)
        .group_by(LedgerTransaction.kind).order_by(LedgerTransaction.kind)).all()
    assert [tuple(k) for k in kinds] == [("assist", 3), ("referral", 1)]
    n1, n2 = known_campaign["newbies"]
    assert (n1.attribution_kind, n1.attribution_id) == ("campaign", cid)
    assert (n2.attribution_kind, n2.attribution_id) == ("campaign", cid)  # via the drive


def test_template_report_counts_every_coupon_of_the_template(
        known_campaign: dict[str, Any]) -> None:
    from tokenmart.analytics.report import build_report, subject_for_path

    template_id = known_campaign["campaign"].template_id
    report = build_report(subject_for_path("coupon-template", template_id))
    assert report["funnel"]["issued"] == 1
    assert report["funnel"]["redeemed"] == 1
    assert report["cost_cents"] == 1000  # the discount; the coins belong to the campaign
    assert report["acquisition"]["registered"] == 0


def test_report_api_returns_the_report_and_guards(known_campaign: dict[str, Any], api: Any,
                                                  make_user: Any) -> None:
    cid = known_campaign["campaign"].id
    response = api(known_campaign["admin"]).get(f"/api/v1/admin/reports/campaign/{cid}")
    assert response.status_code == 200, response.json
    body = response.json
    for key, value in EXPECTED.items():
        assert body[key] == value, key
    assert "uplift" not in body
    for path in (f"/api/v1/admin/reports/campaign/{cid + 999}",
                 f"/api/v1/admin/reports/nonsense/{cid}",
                 "/api/v1/admin/reports/card/999999"):
        missing = api(known_campaign["admin"]).get(path)
        assert missing.status_code == 404
        assert missing.json["error"]["code"] == "not_found"
    assert api(make_user("nosy")).get(f"/api/v1/admin/reports/campaign/{cid}").status_code == 403
    assert api().get(f"/api/v1/admin/reports/campaign/{cid}").status_code == 401


def test_returned_coupon_counts_as_returned_not_redeemed(known_campaign: dict[str, Any]) -> None:
    import sqlalchemy as sa

    from tokenmart.analytics.report import build_report, subject_for_path
    from tokenmart.coupons.coupon_service import return_coupon
    from tokenmart.coupons.models import Coupon
    from tokenmart.extensions import db

    cid = known_campaign["campaign"].id
    code = db.session.execute(sa.select(Coupon.code).where(
        Coupon.attribution_kind == "campaign", Coupon.attribution_id == cid)).scalar_one()
    return_coupon(code)
    db.session.commit()
    report = build_report(subject_for_path("campaign", cid))
    assert (report["funnel"]["redeemed"], report["funnel"]["returned"]) == (0, 1)
    assert report["cost_cents"] == 8  # only the coins: the discount was given back
    assert report["roi"]["per_redemption_cents"] is None


def test_card_report_when_card_programs_exist(app: Any, api: Any, admin: Any) -> None:
    import importlib.util

    if importlib.util.find_spec("tokenmart.membership.models") is None:
        import pytest

        pytest.skip("card programs are not installed")
    created = api(admin).post("/api/v1/admin/cards", json={
        "name": "Free card", "kind": "free", "benefits": {}})
    if created.status_code != 201:
        import pytest

        pytest.skip(f"card programs API not ready: {created.status_code}")
    response = api(admin).get(f"/api/v1/admin/reports/card/{created.json['id']}")
    assert response.status_code == 200, response.json
    assert response.json["funnel"]["claimed"] == 0
    assert response.json["effect"]["reached"] == 0
