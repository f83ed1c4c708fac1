"""The period page: current period, pool so far, my coins, countdown, estimate, history.

The estimate must agree with what the clearing then pays, so these tests clear the
period and compare: if the page's pool or cap rule drifts from the engine's, they fail.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import time_machine

from tests.clearing.helpers import T0, balances, sign_in
from tokenmart.clearing import engine, overview, periods
from tokenmart.extensions import db


def _html(client: Any, path: str = "/periods") -> str:
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def _testid(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, f"no {name} on the page"
    return match.group(1).strip()


def test_period_page_needs_sign_in(client: Any) -> None:
    assert client.get("/periods").status_code == 302


def test_period_page_shows_pool_coins_countdown_and_estimate(
        client: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False):
        make_user("ann", coin=3000)
        make_user("bob", coin=1000)
        period = periods.current_period()
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=1000, memo="ads")
        db.session.commit()
        sign_in(client, "ann")
        html = _html(client)
        # pool = 30% of 10.00 = 3.00 (cap for 4,000 coins is 4.00); my share 3000/4000
        assert _testid(html, "pool") == "¥3.00"
        assert _testid(html, "my-coins") == "3,000 coins"
        assert _testid(html, "estimate") == "¥2.25"
        assert "estimate" in _testid(html, "estimate-note").lower()
        assert _testid(html, "period-status") == "Running now"
        # Countdown to the clearing: period end (local midnight = 16:00 UTC) + 30 min grace
        assert 'data-countdown="2026-11-20T16:30:00Z"' in html
        assert _testid(html, "countdown") == "14:30:00"
        assert 'data-expired-text="Clearing now"' in html
        assert "<title>This period and my share" in html


def test_estimate_is_what_the_clearing_pays_even_when_capped(client: Any, make_user: Any) -> None:
    """30% of 100.00 = 30.00, but 4,000 coins may get at most 4.00: the page says so."""
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=3000)
        make_user("bob", coin=1000)
        period = periods.current_period()
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=10_000, memo="ads")
        db.session.commit()
        sign_in(client, "ann")
        html = _html(client)
        assert _testid(html, "pool") == "¥4.00"
        assert "Capped at ¥1.00 per 1,000 coins" in html
        assert _testid(html, "estimate") == "¥3.00"
        traveller.shift(timedelta(hours=1))
        pid = periods.close_current().id
        db.session.commit()
        report = engine.clear_period(pid)
    assert report["paid_cents"] == 400
    assert balances(ann)["credit"] == 300


def test_estimate_is_rounded_down_and_within_a_cent_of_the_clearing(
        app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        users = [make_user(f"user{i}", coin=c) for i, c in enumerate((701, 233, 66))]
        period = periods.current_period()
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=330, memo="x")
        db.session.commit()
        estimates = [overview.current_outlook(u.id)["estimate_cents"] for u in users]
        outlook = overview.current_outlook(users[0].id)
        traveller.shift(timedelta(hours=1))
        pid = periods.close_current().id
        db.session.commit()
        report = engine.clear_period(pid)
    assert outlook["paid_cents"] == report["paid_cents"] == 99  # 30% of 3.30, under the cap
    assert estimates == [99 * c // 1000 for c in (701, 233, 66)]
    for user, estimate in zip(users, estimates, strict=True):
        assert estimate <= balances(user)["credit"] <= estimate + 1


def test_history_lists_my_cleared_periods_with_coins_credits_and_rate(
        client: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        make_user("ann", coin=3000)
        make_user("bob", coin=1000)
        make_user("cat")  # held no coins: took no part
        period = periods.current_period()
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=1000, memo="ads")
        traveller.shift(timedelta(hours=1))
        pid = periods.close_current().id
        db.session.commit()
        engine.clear_period(pid)
        sign_in(client, "ann")
        html = _html(client)
        table = html[html.index('data-testid="history"'):]
        assert f"#{pid}" in table
        assert "3,000 coins" in table and "¥2.25" in table
        assert "1,000 coins = ¥0.75" in table
        assert _testid(html, "my-coins") == "0 coins"
        assert _testid(html, "last-rate") == "1,000 coins = ¥0.75"
        client.post("/logout")
        sign_in(client, "cat")
        assert 'data-testid="history"' not in _html(client)


def test_period_page_in_chinese(client: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False):
        make_user("ann", coin=1000)
        sign_in(client, "ann")
        html = _html(client, "/periods?lang=zh_Hans")
    assert _testid(html, "period-status") == "进行中"
    assert "我的预估收益" in html and "距离结算还有" in html
    assert _testid(html, "my-coins") == "1,000 金币"
    assert 'data-expired-text="正在结算"' in html


def test_ended_period_waiting_for_clearing_is_announced(client: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        make_user("ann", coin=1000)
        traveller.shift(timedelta(hours=1))
        pid = periods.close_current().id
        db.session.commit()
        sign_in(client, "ann")
        html = _html(client)
    assert f"Period #{pid} has ended and will be cleared at" in _testid(html, "waiting")


def test_wallet_links_to_the_period_page(client: Any, make_user: Any) -> None:
    make_user("ann")
    sign_in(client, "ann")
    html = _html(client, "/wallet")
    assert 'href="/periods"' in html


def test_period_page_with_a_bad_cursor_is_not_a_server_error(client: Any, make_user: Any) -> None:
    make_user("ann")
    sign_in(client, "ann")
    for cursor in ("%%%", "A" * 500, "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"):
        assert client.get(f"/periods?cursor={cursor}").status_code < 500
