"""Daily check-ins: streaks, the 7th-day bonus, local midnight, tier multipliers, 409s."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine

from tests.earning.conftest import balances, count_rows, local, transactions_of


def test_checkin_streak_pays_table_and_7th_day_bonus(app: Any, make_user: Any, api: Any) -> None:
    user = make_user("alice")
    client = api(user)
    paid = []
    for offset in range(9):
        with time_machine.travel(local(2026, 3, 1 + offset, 9), tick=False):
            resp = client.post("/api/v1/checkins")
            assert resp.status_code == 201, resp.get_json()
            paid.append(resp.get_json())
    assert [p["streak"] for p in paid] == list(range(1, 10))
    assert [p["awarded"]["coin"] for p in paid] == [5, 10, 15, 20, 25, 30, 50, 50, 50]
    assert [p["awarded"]["flower"] for p in paid] == [0, 0, 0, 0, 0, 0, 5, 0, 0]
    assert paid[0]["day"] == "2026-03-01"
    assert balances(user) == {"coin": 255, "flower": 5, "credit": 0}
    txns = transactions_of("checkin")
    assert len(txns) == 9
    assert txns[6].idempotency_key == f"checkin:{user.id}:2026-03-07"
    assert txns[6].details == {"day": 7}


def test_missed_day_restarts_streak(app: Any, make_user: Any) -> None:
    from tokenmart.earning.service import check_in

    user = make_user("bob")
    d = date(2026, 3, 1)
    assert check_in(user.id, day=d).streak == 1
    assert check_in(user.id, day=d + timedelta(days=1)).streak == 2
    result = check_in(user.id, day=d + timedelta(days=3))  # day 3 missed
    assert (result.streak, result.coins) == (1, 5)
    assert check_in(user.id, day=d + timedelta(days=4)).streak == 2


def test_second_checkin_same_day_is_409(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.earning.models import Checkin

    user = make_user("carol")
    client = api(user)
    with time_machine.travel(local(2026, 3, 1, 8), tick=False):
        assert client.post("/api/v1/checkins").status_code == 201
    with time_machine.travel(local(2026, 3, 1, 23, 30), tick=False):
        resp = client.post("/api/v1/checkins")
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "already_checked_in"
    assert count_rows(Checkin) == 1
    assert len(transactions_of("checkin")) == 1
    assert balances(user)["coin"] == 5


def test_day_boundary_is_local_midnight(app: Any, make_user: Any, api: Any) -> None:
    user = make_user("dave")
    client = api(user)
    # 15:59:59 UTC is 23:59:59 in Shanghai: still March 1st there.
    with time_machine.travel(local(2026, 3, 1, 23, 59, 59), tick=False):
        first = client.post("/api/v1/checkins").get_json()
    # One second later it is March 2nd locally (but still March 1st in UTC).
    with time_machine.travel(local(2026, 3, 2, 0, 0, 0), tick=False):
        second = client.post("/api/v1/checkins")
        again = client.post("/api/v1/checkins")
    assert first["day"] == "2026-03-01"
    assert second.status_code == 201
    assert second.get_json()["day"] == "2026-03-02" and second.get_json()["streak"] == 2
    assert again.status_code == 409


def test_timezone_setting_moves_the_day(app: Any, make_user: Any) -> None:
    from tokenmart.earning.service import check_in

    user = make_user("erin")
    app.config["TIMEZONE"] = "America/New_York"
    # 2026-03-02 02:00 in Shanghai is still March 1st in New York.
    with time_machine.travel(local(2026, 3, 2, 2), tick=False):
        assert check_in(user.id).day == date(2026, 3, 1)


def test_tier_multiplier_applies_after_crossing_threshold(app: Any, make_user: Any) -> None:
    from tokenmart.accounts.models import User
    from tokenmart.earning.service import check_in
    from tokenmart.extensions import db

    app.config["EARNING_TIER_THRESHOLDS"] = {"member": 0, "silver": 15, "gold": 40, "platinum": 10**6}
    user = make_user("frank")
    d = date.today()
    coins = [check_in(user.id, day=d + timedelta(days=i)).coins for i in range(4)]
    db.session.refresh(db.session.get(User, user.id))
    # day 1: 5 (member); after day 2 total 15 -> silver; day 3: 15 x 1.1 = 16.5 -> 16;
    # total 31; day 4: 20 x 1.1 = 22 -> total 53 -> gold
    assert coins == [5, 10, 16, 22]
    assert db.session.get(User, user.id).tier == "gold"
    assert check_in(user.id, day=d + timedelta(days=4)).coins == 31  # 25 x 1.25 = 31.25


@pytest.mark.parametrize(("tier", "streak", "coins"), [
    ("member", 1, 5), ("silver", 1, 5), ("silver", 2, 11), ("gold", 1, 6), ("gold", 3, 18),
    ("platinum", 1, 7), ("platinum", 7, 75), ("platinum", 40, 75),
])
def test_streak_reward_rounds_multiplied_coins_down(app: Any, tier: str, streak: int,
                                                    coins: int) -> None:
    from tokenmart.earning.service import streak_reward

    assert streak_reward(streak, tier)[0] == coins


def test_settings_come_from_environment(monkeypatch: Any) -> None:
    from decimal import Decimal

    from tokenmart.earning.settings import defaults

    monkeypatch.setenv("TOKENMART_EARNING_STREAK_COINS", "1,2,3")
    monkeypatch.setenv("TOKENMART_EARNING_SHARE_DAILY_CAP", "9")
    monkeypatch.setenv("TOKENMART_EARNING_TIER_MULTIPLIERS", "member:1,silver:2")
    cfg = defaults()
    assert cfg["EARNING_STREAK_COINS"] == [1, 2, 3]
    assert cfg["EARNING_SHARE_DAILY_CAP"] == 9
    assert cfg["EARNING_TIER_MULTIPLIERS"] == {"member": Decimal(1), "silver": Decimal(2)}


def test_configured_streak_table_is_used(app: Any, make_user: Any) -> None:
    from tokenmart.earning.service import check_in

    app.config["EARNING_STREAK_COINS"] = [1, 2]
    app.config["EARNING_STREAK_BONUS_EVERY"] = 2
    app.config["EARNING_STREAK_BONUS_FLOWERS"] = 3
    user = make_user("grace")
    d = date(2026, 5, 1)
    got = [(r.coins, r.flowers) for r in (check_in(user.id, day=d + timedelta(days=i))
                                           for i in range(3))]
    assert got == [(1, 0), (2, 3), (2, 0)]


def test_calendar_shows_month_streak_and_next_reward(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.earning.service import check_in

    user = make_user("hana")
    for day in (date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)):
        check_in(user.id, day=day)
    from tokenmart.extensions import db

    db.session.commit()
    with time_machine.travel(local(2026, 3, 2, 20), tick=False):
        body = api(user).get("/api/v1/checkins?month=2026-03").get_json()
        feb = api(user).get("/api/v1/checkins?month=2026-02").get_json()
    assert body["days"] == ["2026-03-01", "2026-03-02"]
    assert feb["days"] == ["2026-02-27", "2026-02-28"]
    assert body["streak"] == 4 and body["checked_in_today"] is True
    assert body["next_day"] == "2026-03-03" and body["next_reward"] == {"coin": 25, "flower": 0}
    with time_machine.travel(local(2026, 3, 3, 20), tick=False):
        body = api(user).get("/api/v1/checkins").get_json()
    assert body["month"] == "2026-03" and body["streak"] == 4 and body["checked_in_today"] is False
    assert body["next_day"] == "2026-03-03" and body["next_streak"] == 5
    with time_machine.travel(local(2026, 3, 5, 20), tick=False):
        body = api(user).get("/api/v1/checkins").get_json()
    assert body["streak"] == 0 and body["next_reward"] == {"coin": 5, "flower": 0}


def test_calendar_month_is_validated(app: Any, make_user: Any, api: Any) -> None:
    resp = api(make_user("ivan")).get("/api/v1/checkins?month=2026-13")
    assert resp.status_code == 422
    assert "month" in resp.get_json()["error"]["details"]["fields"]


def test_checkin_needs_a_token(app: Any, api: Any) -> None:
    resp = api().post("/api/v1/checkins")
    assert resp.status_code == 401


def test_checkin_notifies_the_earning(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.notifications.models import Notification
    from tokenmart.notifications.service import list_for, render

    user = make_user("jack")
    api(user).post("/api/v1/checkins")
    texts = [render(n) for n in list_for(user.id, None, 10).items]
    assert "+5 coins: day-1 check-in" in texts
    assert "New badge: First check-in" in texts
    assert count_rows(Notification, Notification.user_id == user.id) == 2
