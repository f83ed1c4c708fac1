"""Fraud signals and RFM segments on seeded populations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tokenmart.admin import fraud, rfm
from tokenmart.admin.models import SegmentMember
from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger


def test_ring_detector_finds_a_planted_ring_and_not_ordinary_users() -> None:
    ring = [101, 102, 103, 104, 105]
    edges = [(ring[i], ring[(i + 1) % 5]) for i in range(5)]
    edges += [(ring[i], ring[(i + 2) % 5]) for i in range(5)]
    # ordinary users: 30 people helping many different friends (some mutual pairs)
    ordinary = list(range(1, 31))
    for i, a in enumerate(ordinary):
        for step in (1, 3, 7, 11):
            edges.append((a, ordinary[(i + step) % 30]))
    edges.append((1, 101))  # an ordinary user who once helped a ring member
    # a small circle of friends each helping the next one (sparse, so not a ring)
    edges += [(200 + i, 200 + (i + 1) % 10) for i in range(10)]
    found = fraud.find_rings(edges)
    assert found == [set(ring)]


def test_ring_finding_through_registered_edges(app: Any) -> None:
    fraud.EDGE_PROVIDERS.append(lambda: [(1, 2), (2, 3), (3, 1)])
    try:
        findings = fraud.rings()
    finally:
        fraud.EDGE_PROVIDERS.pop()
    assert [(f.kind, f.user_ids) for f in findings] == [("ring", [1, 2, 3])]


def test_strongly_connected_handles_long_chains() -> None:
    chain = [(i, i + 1) for i in range(5000)] + [(5000, 0)]
    assert [len(c) for c in fraud.strongly_connected(chain)] == [5001]


def test_accounts_per_ip(app: Any) -> None:
    from tokenmart.accounts import service

    for i in range(4):
        service.register_user(f"farm{i}", "long password", ip="10.9.9.9")
    service.register_user("normal", "long password", ip="10.1.1.1")
    db.session.commit()
    findings = fraud.accounts_per_ip(threshold=3)
    assert len(findings) == 1 and findings[0].details["count"] == 4


def test_earning_outliers(app: Any, make_user: Any) -> None:
    users = [make_user(f"user{i}", coin=100 + i) for i in range(20)]
    whale = make_user("whale", coin=50_000)
    findings = fraud.earning_outliers()
    assert [f.user_ids for f in findings] == [[whale.id]]
    assert users


def _activity(user_id: int, days_ago: list[int], amount: int) -> None:
    for back in days_ago:
        ledger.transfer("adjustment", "coin", amount, ledger.MINT, ledger.user(user_id),
                        at=utcnow() - timedelta(days=back), notify=False)


def _age(user_id: int, days: int) -> None:
    from tokenmart.accounts.models import User

    db.session.execute(sa.update(User).where(User.id == user_id)
                       .values(created_at=utcnow() - timedelta(days=days)))


def test_rfm_segments_on_a_seeded_population(app: Any, make_user: Any) -> None:
    people: dict[str, list[int]] = {"champions": [], "loyal": [], "at_risk": [], "hibernating": [],
                                    "new": []}
    for i in range(4):
        u = make_user(f"champ{i}")
        _age(u.id, 200)
        _activity(u.id, [0, 1, 2, 3, 4, 5, 6, 7], 500)
        people["champions"].append(u.id)
    for i in range(4):
        u = make_user(f"loyal{i}")
        _age(u.id, 200)
        _activity(u.id, [3, 5, 7, 9, 11, 13, 15], 5)
        people["loyal"].append(u.id)
    for i in range(4):
        u = make_user(f"risk{i}")
        _age(u.id, 200)
        _activity(u.id, [60, 62, 64, 66, 68], 40)
        people["at_risk"].append(u.id)
    for i in range(4):
        u = make_user(f"sleepy{i}")
        _age(u.id, 300)
        _activity(u.id, [85], 3)
        people["hibernating"].append(u.id)
    for i in range(4):
        u = make_user(f"fresh{i}")
        _activity(u.id, [0], 10)
        people["new"].append(u.id)
    idle = make_user("idle")
    _age(idle.id, 400)
    db.session.commit()

    snapshot = rfm.take_snapshot(None)
    db.session.commit()
    got = dict(db.session.execute(sa.select(SegmentMember.user_id, SegmentMember.segment)
                                  .where(SegmentMember.snapshot_id == snapshot.id)).all())
    for segment, ids in people.items():
        assert {got[i] for i in ids} == {segment}, segment
    assert got[idle.id] == "hibernating"
    counts = rfm.counts(snapshot.id)
    assert counts["champions"] == 4 and counts["hibernating"] == 5 and counts["new"] == 4


def test_bulk_grant_to_a_segment_issues_once(app: Any, make_user: Any, admin: Any, api: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    issued: list[tuple[int, list[int], str]] = []

    def fake_issuer(template_id: int, user_ids: Any, source_ref: str) -> int:
        ids = list(db.session.execute(user_ids).scalars())
        issued.append((template_id, ids, source_ref))
        return len(ids)

    monkeypatch.setattr(rfm, "bulk_coupon_issuer", fake_issuer)
    for i in range(3):
        make_user(f"fresh{i}")
    client = api(admin)
    snap = client.post("/api/v1/admin/segments/snapshots").get_json()
    assert snap["counts"]["new"] == 3  # the admin is new too, but staff is no customer
    body = {"snapshot_id": snap["id"], "segment": "new", "template_id": 7}
    first = client.post("/api/v1/admin/segments/grants", body, key="g1")
    second = client.post("/api/v1/admin/segments/grants", body, key="g2")
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert first.get_json()["issued"] == 3
    assert len(issued) == 1 and issued[0][0] == 7 and len(issued[0][1]) == 3
    from tokenmart.notifications.models import Notification

    assert db.session.execute(sa.select(sa.func.count()).select_from(Notification)
                              .where(Notification.kind == "segment_coupon")).scalar() == 3
    audit_rows = client.get("/api/v1/admin/audit-log?action=segments").get_json()["items"]
    assert [r["action"] for r in audit_rows] == ["segments.grant", "segments.snapshot"]


def test_share_visit_rings_are_detected(app: Any, make_user: Any) -> None:
    from tokenmart.earning.models import ShareLink, ShareVisit

    users = [make_user(f"ring{i}") for i in range(5)]
    for i, sharer in enumerate(users):
        link = ShareLink(code=f"code{i}", user_id=sharer.id, target_type="invite", target_id=sharer.id)
        db.session.add(link)
        db.session.flush()
        for other in users:
            if other.id != sharer.id:
                db.session.add(ShareVisit(share_id=link.id, visitor_id=other.id, rewarded=False))
    db.session.commit()
    findings = fraud.rings()
    assert [f.user_ids for f in findings] == [sorted(u.id for u in users)]


def _campaign_with_drive(admin_api: Any, owner_api: Any, required: int = 3) -> str:
    template = admin_api.post("/api/v1/admin/coupon-templates",
                              {"name": "5 off", "kind": "amount_off", "value": 500}).get_json()
    campaign = admin_api.post("/api/v1/admin/campaigns", {
        "title": "Help me", "template_id": template["id"], "required_assists": required,
        "drive_hours": 24, "assist_reward_coins": 5}).get_json()
    return owner_api.post(f"/api/v1/campaigns/{campaign['id']}/drives").get_json()["code"]


def test_young_account_assists_and_assist_rings(app: Any, api: Any, make_user: Any, admin: Any) -> None:
    from tokenmart.admin import integrations

    admin_api = api(admin)
    old = make_user("veteran")
    _age(old.id, 30)
    db.session.commit()
    owner = make_user("owner")
    code = _campaign_with_drive(admin_api, api(owner))
    newbie = make_user("newbie")
    assert api(newbie).post(f"/api/v1/drives/{code}/assists").status_code == 201
    assert api(old).post(f"/api/v1/drives/{code}/assists").status_code == 201
    findings = integrations.young_account_assists()
    assert [f.user_ids for f in findings] == [[newbie.id]]
    assert (newbie.id, owner.id) in set(integrations.assist_edges())
    body = admin_api.get("/api/v1/admin/fraud-signals").get_json()
    assert [f["user_ids"] for f in body["young_account_assists"]] == [[newbie.id]]


def test_segment_grant_issues_real_coupons_once(app: Any, api: Any, make_user: Any, admin: Any) -> None:
    from tokenmart.coupons.models import Coupon

    admin_api = api(admin)
    template = admin_api.post("/api/v1/admin/coupon-templates",
                              {"name": "Welcome back", "kind": "percent_off", "value": 10,
                               "total_quantity": 100}).get_json()
    users = [make_user(f"fresh{i}") for i in range(3)]
    snap = admin_api.post("/api/v1/admin/segments/snapshots").get_json()
    body = {"snapshot_id": snap["id"], "segment": "new", "template_id": template["id"]}
    for key in ("a", "b"):
        resp = admin_api.post("/api/v1/admin/segments/grants", body, key=key)
        assert resp.status_code == 201 and resp.get_json()["issued"] == 3
    owners = sorted(db.session.execute(sa.select(Coupon.user_id)
                                       .where(Coupon.template_id == template["id"])).scalars())
    assert owners == sorted(u.id for u in users)  # not the admin: staff is no customer
    mine = api(users[0]).get("/api/v1/coupons").get_json()
    assert [c["name"] for c in mine["items"]] == ["Welcome back"]


def test_a_segment_grant_of_an_ended_template_is_a_documented_409(
        make_user: Any, admin: Any, api: Any) -> None:
    """`make fuzz` ended a template through its PATCH, then granted it to a segment: the
    409 template_ended was right but undocumented. The document names it (and sold_out)."""
    from tokenmart.coupons import templates_service

    template = templates_service.create_template(actor_id=admin.id, name="Old", kind="amount_off",
                                                 value=100)
    template.ends_at = utcnow() - timedelta(days=1)
    db.session.commit()
    make_user("fresh")
    client = api(admin)
    snap = client.post("/api/v1/admin/segments/snapshots").get_json()
    resp = client.post("/api/v1/admin/segments/grants", {
        "snapshot_id": snap["id"], "segment": "new", "template_id": template.id}, key="g-old")
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "template_ended")
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = spec["paths"]["/api/v1/admin/segments/grants"]["post"]["responses"]
    assert "409" in documented
