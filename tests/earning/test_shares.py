"""Share links and visits: who is paid, how often, and the pluggable target kinds."""

from __future__ import annotations

import threading
from typing import Any

import time_machine

from tests.earning.conftest import balances, count_rows, local, transactions_of


def _share(api: Any, user: Any, kind: str = "thing", target_id: int = 1) -> dict[str, Any]:
    resp = api(user).post("/api/v1/shares", {"target_type": kind, "target_id": target_id})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_create_share_returns_code_and_url_and_is_reused(app: Any, make_user: Any, api: Any,
                                                         fake_target: str) -> None:
    alice = make_user("alice")
    first = _share(api, alice)
    again = _share(api, alice)
    assert first["code"] == again["code"] and len(first["code"]) >= 12
    assert first["url"].endswith(f"/s/{first['code']}")
    assert first["target_type"] == "thing" and first["target_id"] == 1 and first["id"]


def test_share_unknown_kind_is_422_and_missing_target_404(app: Any, make_user: Any, api: Any,
                                                          fake_target: str) -> None:
    alice = make_user("alice")
    resp = api(alice).post("/api/v1/shares", {"target_type": "spaceship", "target_id": 1})
    assert resp.status_code == 422
    assert "target_type" in resp.get_json()["error"]["details"]["fields"]
    resp = api(alice).post("/api/v1/shares", {"target_type": "thing", "target_id": 999})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_invite_target_is_registered(app: Any, make_user: Any, api: Any) -> None:
    alice = make_user("alice")
    link = _share(api, alice, "invite", alice.id)
    resp = api().client.get(f"/s/{link['code']}")
    assert resp.status_code == 302 and resp.location.endswith("/register")


def test_self_visit_pays_nothing(app: Any, make_user: Any, api: Any, fake_target: str) -> None:
    alice = make_user("alice")
    link = _share(api, alice)
    resp = api(alice).post(f"/api/v1/shares/{link['code']}/visits")
    assert resp.status_code == 201
    assert resp.get_json()["rewarded"] is False
    assert balances(alice)["coin"] == 0
    assert transactions_of("share") == []


def test_same_visitor_twice_pays_once(app: Any, make_user: Any, api: Any, fake_target: str) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    link = _share(api, alice)
    first = api(bob).post(f"/api/v1/shares/{link['code']}/visits").get_json()
    second = api(bob).post(f"/api/v1/shares/{link['code']}/visits").get_json()
    assert first["rewarded"] is True and second["rewarded"] is False
    assert first["target_url"] == "/things/1"
    assert balances(alice)["coin"] == 10
    txns = transactions_of("share")
    assert len(txns) == 1
    assert txns[0].idempotency_key == f"share:{alice.id}:{bob.id}:thing:1"


def test_anonymous_visit_pays_nothing_and_gets_a_ref(app: Any, make_user: Any, api: Any,
                                                    fake_target: str) -> None:
    alice = make_user("alice")
    link = _share(api, alice)
    body = api().post(f"/api/v1/shares/{link['code']}/visits").get_json()
    assert body["rewarded"] is False and body["ref"]
    assert balances(alice)["coin"] == 0


def test_unknown_code_is_404(app: Any, make_user: Any, api: Any) -> None:
    resp = api(make_user("bob")).post("/api/v1/shares/nope-nope-nope/visits")
    assert resp.status_code == 404
    assert api().client.get("/s/nope-nope-nope").status_code == 404


def test_sixth_paid_visit_in_a_day_pays_nothing(app: Any, make_user: Any, api: Any,
                                                fake_target: str) -> None:
    alice = make_user("alice")
    visitors = [make_user(f"visitor{i}") for i in range(7)]
    link1 = _share(api, alice, target_id=1)
    link2 = _share(api, alice, target_id=2)
    with time_machine.travel(local(2026, 4, 1, 10), tick=False):
        got = [api(v).post(f"/api/v1/shares/{link1['code']}/visits").get_json()["rewarded"]
               for v in visitors[:5]]
        # The cap is per sharer per day, across all the sharer's links.
        sixth = api(visitors[5]).post(f"/api/v1/shares/{link2['code']}/visits").get_json()
    assert got == [True] * 5 and sixth["rewarded"] is False
    assert balances(alice)["coin"] == 50
    # A new local day opens five new paid visits.
    with time_machine.travel(local(2026, 4, 2, 0, 0, 1), tick=False):
        seventh = api(visitors[6]).post(f"/api/v1/shares/{link2['code']}/visits").get_json()
    assert seventh["rewarded"] is True
    assert balances(alice)["coin"] == 60
    assert len(transactions_of("share")) == 6


def test_share_coins_use_the_sharers_tier(app: Any, make_user: Any, api: Any,
                                          fake_target: str) -> None:
    from tokenmart.accounts.models import User
    from tokenmart.extensions import db

    alice, bob = make_user("alice"), make_user("bob")
    db.session.get(User, alice.id).tier = "platinum"
    db.session.commit()
    app.config["EARNING_TIER_THRESHOLDS"] = {"member": 0, "platinum": 1}
    link = _share(api, alice)
    assert api(bob).post(f"/api/v1/shares/{link['code']}/visits").get_json()["rewarded"] is True
    assert balances(alice)["coin"] == 15  # 10 x 1.5


def test_web_share_link_redirects_pays_and_sets_ref_cookie(app: Any, make_user: Any, api: Any,
                                                           fake_target: str) -> None:
    from tests.conftest import PASSWORD

    alice = make_user("alice")
    make_user("bob")
    link = _share(api, alice, target_id=7)
    anonymous = app.test_client()
    resp = anonymous.get(f"/s/{link['code']}")
    assert resp.status_code == 302 and resp.location == "/things/7"
    cookie = anonymous.get_cookie("tm_ref")
    assert cookie is not None and cookie.max_age == 7 * 86400
    bob_browser = app.test_client()
    bob_browser.post("/login", data={"username": "bob", "password": PASSWORD})
    resp = bob_browser.get(f"/s/{link['code']}")
    assert resp.status_code == 302
    assert bob_browser.get_cookie("tm_ref") is None
    assert balances(alice)["coin"] == 10


def test_concurrent_visits_respect_the_daily_cap(app: Any, make_user: Any, api: Any,
                                                 fake_target: str) -> None:
    from tokenmart.earning import service
    from tokenmart.extensions import db

    alice = make_user("alice")
    visitors = [make_user(f"visitor{i}") for i in range(10)]
    code = _share(api, alice)["code"]
    visitor_ids = [v.id for v in visitors]
    db.session.rollback()  # end this thread's read transaction (SQLite: BEGIN IMMEDIATE)
    barrier = threading.Barrier(len(visitors))
    results: list[bool] = []
    errors: list[BaseException] = []

    def visit(visitor_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(service.record_visit(code, visitor_id))
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=visit, args=(v,)) for v in visitor_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [False] * 5 + [True] * 5
    assert balances(alice)["coin"] == 50
    assert len(transactions_of("share")) == 5


def test_visits_are_counted_on_the_tasks_page(app: Any, make_user: Any, api: Any,
                                              fake_target: str) -> None:
    from tokenmart.earning.models import ShareVisit
    from tokenmart.earning.service import shares_of

    alice, bob = make_user("alice"), make_user("bob")
    link = _share(api, alice)
    api(bob).post(f"/api/v1/shares/{link['code']}/visits")
    api().post(f"/api/v1/shares/{link['code']}/visits")
    assert count_rows(ShareVisit) == 2
    [row] = shares_of(alice.id)
    assert (row["visits"], row["paid"]) == (2, 1)
