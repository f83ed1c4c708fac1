"""Periods stay apart on the economy pages after an early close: the tables name each
period by its number and span, and the dashboard's chart puts the number over the day
(both once read "Dec 5, 2026" / "12-05" twice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import force_locale

from tests.clearing.helpers import T0
from tests.conftest import PASSWORD
from tokenmart.admin import labels
from tokenmart.extensions import db


def _split_day(admin: Any) -> tuple[int, int]:
    """Nov 20 (Asia/Shanghai) cut in two by "Close the current period now" at 10:00."""
    from tokenmart.clearing import periods

    first = periods.current_period(T0 - timedelta(hours=2)).id
    assert periods.close_current(admin.id, now=T0).id == first
    second = periods.current_period(T0 + timedelta(hours=1)).id
    db.session.commit()
    return first, second


def _row_names(soup: BeautifulSoup, testid: str) -> list[str]:
    return [th.get_text(" ", strip=True)
            for th in soup.select(f"[data-testid={testid}] tbody th[scope=row]")]


def test_two_periods_of_one_day_have_two_names(client: Any, admin: Any) -> None:
    first, second = _split_day(admin)
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    soup = BeautifulSoup(client.get("/admin/economy").get_data(as_text=True), "html.parser")
    names = [f"Period #{second} Nov 20, 2026, 10:00–24:00",
             f"Period #{first} Nov 20, 2026, 00:00–10:00"]
    for table in ("periods-flower", "periods-coin", "periods-credit", "periods"):
        assert _row_names(soup, table) == names, table

    client.get("/?lang=zh_Hans")
    soup = BeautifulSoup(client.get("/admin/economy").get_data(as_text=True), "html.parser")
    assert _row_names(soup, "periods") == [f"第 {second} 期 2026年11月20日 10:00–24:00",
                                           f"第 {first} 期 2026年11月20日 00:00–10:00"]


def test_the_dashboard_chart_puts_the_number_over_the_day(client: Any, admin: Any) -> None:
    first, second = _split_day(admin)
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    soup = BeautifulSoup(client.get("/admin/").get_data(as_text=True), "html.parser")
    chart = soup.select_one("svg.chart")
    ticks = [[span.get_text() for span in text.find_all("tspan")] for text in chart.find_all("text")]
    assert ticks == [[f"#{first}", "11-20"], [f"#{second}", "11-20"]]
    bars = [rect.title.get_text() for rect in chart.find_all("rect")]
    assert bars == [f"#{first} · Nov 20, 2026, 00:00–10:00: 0",
                    f"#{second} · Nov 20, 2026, 10:00–24:00: 0"]


def test_a_period_is_named_by_its_span(app: Flask) -> None:
    from tokenmart.admin.economy import WindowFigures

    def name(label: str, start: datetime, end: datetime) -> str:
        return labels.period_name(WindowFigures(label, start, end))

    midnight = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # Nov 20, 00:00 in Shanghai
    with app.test_request_context("/?lang=en"):
        assert name("#3 2026-11-20", midnight, midnight + timedelta(days=1)) == "#3 · Nov 20, 2026"
        assert name("#4 2026-11-23", midnight + timedelta(days=3), midnight + timedelta(days=10)
                    ) == "#4 · Nov 23\u2009–\u200929, 2026"
        assert name("2026-11-20", midnight, midnight + timedelta(days=1)) == "Nov 20, 2026"
        assert name("#5 2026-11-20", midnight + timedelta(hours=22),
                    midnight + timedelta(days=1, hours=3)
                    ) == "#5 · 11/20/26, 10:00\u202fPM – 11/21/26, 3:00\u202fAM"
        with force_locale("zh_Hans"):
            assert name("#4 2026-11-23", midnight + timedelta(days=3),
                        midnight + timedelta(days=10)) == "第 4 期 · 2026年11月23日至29日"
