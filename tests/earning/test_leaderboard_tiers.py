"""The weekly leaderboard over a seeded week, and tiers from trailing earnings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import time_machine

from tests.earning.conftest import local


def _earn(user: Any, coins: int, when: Any, kind: str = "checkin") -> None:
    from tokenmart.ledger import service as ledger

    ledger.transfer(kind, "coin", coins, ledger.MINT, ledger.user(user.id), at=when, notify=False)


def test_leaderboard_ranks_a_seeded_week(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.accounts.models import User
    from tokenmart.extensions import db

    a, b, c, d, e, f = (make_user(n) for n in ("anna", "bert", "cleo", "dora", "emil", "fay"))
    # The week of Monday 2026-03-02 .. Sunday 2026-03-08 (local).
    _earn(a, 30, local(2026, 3, 2, 0, 0, 1))
    _earn(a, 20, local(2026, 3, 8, 23, 59), kind="share")      # a: 50
    _earn(b, 70, local(2026, 3, 4))                             # b: 70
    _earn(c, 50, local(2026, 3, 5))                             # c: 50 (ties with a)
    _earn(c, 500, local(2026, 3, 9, 0, 0, 1))                   # next week: not counted
    _earn(c, 500, local(2026, 3, 1, 23, 59))                    # last week: not counted
    _earn(d, 10, local(2026, 3, 6))                             # d: 10
    _earn(d, 900, local(2026, 3, 6), kind="adjustment")         # not earned by a task
    _earn(e, 1000, local(2026, 3, 6))                           # e opted out
    _earn(f, 1, local(2026, 3, 6))
    db.session.get(User, e.id).leaderboard_opt_out = True
    db.session.commit()
    resp = api().get("/api/v1/leaderboard?week=2026-03-05")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["week_start"] == "2026-03-02" and body["week_end"] == "2026-03-08"
    assert [(r["rank"], r["username"], r["coins"]) for r in body["items"]] == [
        (1, "bert", 70), (2, "anna", 50), (2, "cleo", 50), (4, "dora", 10), (5, "fay", 1)]
    assert set(body["items"][0]) == {"rank", "username", "coins"}
    app.config["EARNING_LEADERBOARD_SIZE"] = 2
    with time_machine.travel(local(2026, 3, 8, 12), tick=False):
        assert [r["username"] for r in api().get("/api/v1/leaderboard").get_json()["items"]] == [
            "bert", "anna"]


def test_tier_thresholds_and_nightly_recompute(app: Any, make_user: Any) -> None:
    from jobs.earning import recompute_tiers
    from tokenmart.accounts.models import User
    from tokenmart.earning.tiers import tier_for
    from tokenmart.extensions import db

    assert [tier_for(n) for n in (0, 1999, 2000, 9999, 10000, 49999, 50000)] == [
        "member", "member", "silver", "silver", "gold", "gold", "platinum"]
    rich, mid, poor = make_user("rich"), make_user("mid"), make_user("poor")
    with time_machine.travel(local(2026, 1, 10), tick=False):
        _earn(rich, 12000, local(2026, 1, 10))
        _earn(mid, 2500, local(2026, 1, 10), kind="share")
        _earn(poor, 5000, local(2026, 1, 10), kind="adjustment")
        db.session.commit()
        assert recompute_tiers() == 2
        assert recompute_tiers() == 0  # idempotent
    db.session.expire_all()
    assert [db.session.get(User, u.id).tier for u in (rich, mid, poor)] == [
        "gold", "silver", "member"]
    # 91 days later the earnings have aged out of the 90-day window.
    with time_machine.travel(local(2026, 1, 10) + timedelta(days=91), tick=False):
        assert recompute_tiers() == 2
    db.session.expire_all()
    assert db.session.get(User, rich.id).tier == "member"


def test_tier_progress_on_api_and_profile(app: Any, make_user: Any, api: Any) -> None:
    from tests.conftest import PASSWORD
    from tokenmart.earning.tiers import recompute_tier

    user = make_user("tess")
    _earn(user, 2500, local(2026, 1, 1))
    with time_machine.travel(local(2026, 1, 2), tick=False):
        assert recompute_tier(user.id) == "silver"
        from tokenmart.extensions import db

        db.session.commit()
        body = api(user).get("/api/v1/me/earning").get_json()
        assert body["tier"]["tier"] == "silver" and body["tier"]["coins_earned"] == 2500
        assert body["tier"]["next_tier"] == "gold" and body["tier"]["remaining"] == 7500
        assert body["tier"]["percent"] == 6  # (2500-2000) / (10000-2000)
        assert body["referrals"] == {"total": 0, "rewarded": 0}
        assert {b["code"] for b in body["badges"]} >= {"first_checkin", "streak_7"}
        assert api(user).get("/api/v1/me").get_json()["tier"] == "silver"
        browser = app.test_client()
        browser.post("/login", data={"username": "tess", "password": PASSWORD})
        html = browser.get("/me").get_data(as_text=True)
    assert "7,500 more coins to Gold" in html  # locale-formatted (issue #13)
    assert 'data-badge="first_checkin"' in html


def test_tier_change_is_notified(app: Any, make_user: Any) -> None:
    from tokenmart.earning.tiers import recompute_tier
    from tokenmart.notifications.service import list_for, render

    user = make_user("nora")
    _earn(user, 2000, None)
    recompute_tier(user.id)
    recompute_tier(user.id)
    texts = [render(n) for n in list_for(user.id, None, 10).items]
    assert texts == ["Your tier is now Silver."]


def test_week_start_is_monday(app: Any) -> None:
    from tokenmart.earning.leaderboard import week_start

    assert week_start(date(2026, 3, 8)) == date(2026, 3, 2)
    assert week_start(date(2026, 3, 2)) == date(2026, 3, 2)
