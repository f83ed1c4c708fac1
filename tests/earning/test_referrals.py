"""Referrals: registering after opening a share link; paid once, after two check-in days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import time_machine

from tests.conftest import PASSWORD
from tests.earning.conftest import balances, count_rows, local, transactions_of


def _invite(api: Any, user: Any) -> str:
    resp = api(user).post("/api/v1/shares", {"target_type": "invite", "target_id": user.id})
    assert resp.status_code == 201
    return resp.get_json()["code"]


def _register_on_web(app: Any, code: str, username: str) -> Any:
    browser = app.test_client()
    assert browser.get(f"/s/{code}").status_code == 302
    resp = browser.post("/register", data={"username": username, "password": PASSWORD,
                                           "confirm": PASSWORD})
    assert resp.status_code == 302
    return browser


def _user(username: str) -> Any:
    from tokenmart.accounts.service import find_by_username

    return find_by_username(username)


def test_referral_pays_after_second_checkin_day_only_once(app: Any, make_user: Any,
                                                         api: Any) -> None:
    from tokenmart.earning.models import Referral
    from tokenmart.earning.service import check_in
    from tokenmart.extensions import db

    alice = make_user("alice")
    code = _invite(api, alice)
    _register_on_web(app, code, "newbie")
    newbie = _user("newbie")
    assert count_rows(Referral, Referral.referrer_id == alice.id,
                      Referral.referred_id == newbie.id) == 1
    d = date(2026, 6, 1)
    check_in(newbie.id, day=d)
    db.session.commit()
    assert balances(alice)["flower"] == 0  # one day is not enough
    check_in(newbie.id, day=d + timedelta(days=1))
    db.session.commit()
    assert balances(alice)["flower"] == 50
    check_in(newbie.id, day=d + timedelta(days=5))
    db.session.commit()
    assert balances(alice)["flower"] == 50
    txns = transactions_of("referral")
    assert len(txns) == 1 and txns[0].idempotency_key == f"referral:{newbie.id}"
    from tokenmart.notifications.service import list_for, render

    texts = [render(n) for n in list_for(alice.id, None, 10).items]
    assert "+50 little red flowers: Referral reward: newbie checked in on two days" in texts
    assert "New badge: Good friend" in texts


def test_referral_by_api_ref_field(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.earning.service import check_in

    alice = make_user("alice")
    code = _invite(api, alice)
    resp = api().post("/api/v1/users", {"username": "apinew", "password": PASSWORD, "ref": code})
    assert resp.status_code == 201
    newbie = _user("apinew")
    check_in(newbie.id, day=date(2026, 6, 1))
    check_in(newbie.id, day=date(2026, 6, 3))  # two different days, not necessarily in a row
    assert balances(alice)["flower"] == 50


def test_referral_with_signed_ref_from_anonymous_visit(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.earning.models import Referral

    alice = make_user("alice")
    code = _invite(api, alice)
    ref = api().post(f"/api/v1/shares/{code}/visits").get_json()["ref"]
    api().post("/api/v1/users", {"username": "signed", "password": PASSWORD, "ref": ref})
    assert count_rows(Referral, Referral.referred_id == _user("signed").id) == 1


def test_registering_after_seven_days_is_no_referral(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.earning.models import Referral

    alice = make_user("alice")
    code = _invite(api, alice)
    browser = app.test_client()
    with time_machine.travel(local(2026, 6, 1, 10), tick=False):
        browser.get(f"/s/{code}")
        ref = browser.get_cookie("tm_ref").value
    with time_machine.travel(local(2026, 6, 8, 11), tick=False):
        # The browser would have dropped the cookie; a replayed one is refused by its age.
        resp = api().post("/api/v1/users", {"username": "latecomer", "password": PASSWORD,
                                            "ref": ref})
    assert resp.status_code == 201
    with time_machine.travel(local(2026, 6, 7, 9), tick=False):
        api().post("/api/v1/users", {"username": "intime", "password": PASSWORD, "ref": ref})
    assert count_rows(Referral, Referral.referred_id == _user("latecomer").id) == 0
    assert count_rows(Referral, Referral.referred_id == _user("intime").id) == 1


def test_bad_ref_is_ignored(app: Any, api: Any) -> None:
    from tokenmart.earning.models import Referral

    for i, ref in enumerate(["", "no-such-code", "x" * 64, "a.b.c"]):
        resp = api().post("/api/v1/users", {"username": f"user_{i}", "password": PASSWORD,
                                            "ref": ref})
        assert resp.status_code == 201
    assert count_rows(Referral) == 0


def test_referral_badge_goes_to_the_referrer(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.earning.badges import held_badges
    from tokenmart.earning.service import check_in

    alice = make_user("alice")
    code = _invite(api, alice)
    api().post("/api/v1/users", {"username": "friend1", "password": PASSWORD, "ref": code})
    friend = _user("friend1")
    check_in(friend.id, day=date(2026, 6, 1))
    check_in(friend.id, day=date(2026, 6, 2))
    assert "first_referral" in held_badges(alice.id)
    assert "first_referral" not in held_badges(friend.id)
