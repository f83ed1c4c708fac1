"""The Tasks page, web check-in, invite links, the leaderboard page, and rate limits."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD
from tests.earning.conftest import balances, local


def leaderboard_rows(html: str) -> list[list[str]]:
    """The leaderboard table's rows as a reader sees them: [rank, user, coins] texts."""
    table = BeautifulSoup(html, "html.parser").select_one("[data-testid=leaderboard] tbody")
    assert table is not None, "no leaderboard table"
    return [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in table.find_all("tr")]


def _signed_in(app: Any, username: str) -> Any:
    browser = app.test_client()
    resp = browser.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302
    return browser


def test_tasks_page_needs_sign_in(app: Any) -> None:
    resp = app.test_client().get("/tasks")
    assert resp.status_code == 302 and "/login" in resp.location


def test_tasks_page_shows_rules_before_first_checkin(app: Any, make_user: Any) -> None:
    make_user("alice")
    html = _signed_in(app, "alice").get("/tasks").get_data(as_text=True)
    assert "Miss a day and your streak starts again from day 1." in html
    assert "day 1: 5" in html and "day 7: 50" in html
    assert "Every 7th day in a row also pays 5 little red flowers." in html
    assert 'data-testid="checkin-button"' in html
    assert "Check in: +5 coins" in html


def test_tasks_page_names_the_day_boundary_in_words(app: Any, make_user: Any) -> None:
    """The local day's timezone as people say it, in each language; never the tz code."""
    make_user("alice")
    browser = _signed_in(app, "alice")
    html = browser.get("/tasks").get_data(as_text=True)
    assert "Check in once a day (a day starts at midnight, China Time)." in html
    html = browser.get("/tasks?lang=zh_Hans").get_data(as_text=True)
    assert "每天签到一次（以中国时间零点为一天的开始）。" in html
    assert "Asia/Shanghai" not in html
    app.config["TIMEZONE"] = "America/New_York"
    html = browser.get("/tasks?lang=en").get_data(as_text=True)
    assert "a day starts at midnight, Eastern Time" in html


def test_web_checkin_marks_calendar_and_refuses_second(app: Any, make_user: Any) -> None:
    user = make_user("alice")
    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        # sign in "then": a session cookie signed in the future is refused, as it should be
        browser = _signed_in(app, "alice")
        resp = browser.post("/tasks/checkin", follow_redirects=True)
        html = resp.get_data(as_text=True)
        assert "Day 1 of your streak: +5 coins!" in html
        assert 'data-checked="2026-03-10"' in html
        assert "Tomorrow pays 10 coins" in html
        html = browser.post("/tasks/checkin", follow_redirects=True).get_data(as_text=True)
        assert "You have already checked in today" in html
        home = browser.get("/").get_data(as_text=True)
        assert "Checked in today: day 1 of your streak." in home
    assert balances(user)["coin"] == 5


def test_web_checkin_needs_csrf(app: Any, make_user: Any) -> None:
    user = make_user("alice")
    browser = _signed_in(app, "alice")
    app.config["WTF_CSRF_ENABLED"] = True
    browser.post("/tasks/checkin")
    assert balances(user)["coin"] == 0


def test_invite_link_from_tasks_page(app: Any, make_user: Any) -> None:
    from tests.earning.conftest import count_rows
    from tokenmart.earning.models import ShareLink

    make_user("alice")
    browser = _signed_in(app, "alice")
    html = browser.post("/tasks/invite", follow_redirects=True).get_data(as_text=True)
    browser.post("/tasks/invite")
    assert count_rows(ShareLink) == 1
    assert "/s/" in html and 'data-testid="invite-button"' not in html


def test_web_share_form_for_registered_kind(app: Any, make_user: Any, fake_target: str) -> None:
    make_user("alice")
    browser = _signed_in(app, "alice")
    html = browser.post("/share", data={"target_type": "thing", "target_id": "3"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Your share link: http://localhost/s/" in html
    html = browser.post("/share", data={"target_type": "thing", "target_id": "99"},
                        follow_redirects=True).get_data(as_text=True)
    assert "That cannot be shared." in html


def test_leaderboard_page_lists_usernames(app: Any, make_user: Any, api: Any) -> None:
    alice = make_user("alice")
    api(alice).post("/api/v1/checkins")
    html = app.test_client().get("/leaderboard").get_data(as_text=True)
    assert leaderboard_rows(html) == [["1", "alice", "5"]]


def test_chinese_tasks_page(app: Any, make_user: Any) -> None:
    from tokenmart.extensions import db

    make_user("alice")
    browser = _signed_in(app, "alice")
    db.session.rollback()  # release this context's SQLite write lock before another opens
    with app.app_context():  # a fresh `g`: Flask-Babel caches the locale there
        html = browser.get("/tasks?lang=zh_Hans").get_data(as_text=True)
    assert "每日签到" in html and "中断一天，连续签到就从第 1 天重新开始。" in html


class TestRateLimits:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_EARNING": "3/minute",
                "RATELIMIT_REGISTER": "2/minute", "RATELIMIT_SIGNIN": "2/minute"}

    def test_earning_endpoints_are_rate_limited(self, app: Any, make_user: Any, api: Any,
                                                fake_target: str) -> None:
        from tokenmart.extensions import db

        client = api(make_user("alice"))

        def post(path: str, body: Any = None) -> Any:
            # A fresh app context per request, as in production: Flask-Limiter marks `g`
            # once a request was checked, and the test fixture's context outlives requests.
            db.session.rollback()
            with app.app_context():
                return client.post(path, body)

        codes = [post("/api/v1/shares", {"target_type": "thing", "target_id": i}).status_code
                 for i in range(1, 5)]
        assert codes == [201, 201, 201, 429]
        # Each endpoint has its own budget.
        checkins = [post("/api/v1/checkins") for _ in range(4)]
        assert [r.status_code for r in checkins] == [201, 409, 409, 429]
        assert checkins[-1].get_json()["error"]["code"] == "rate_limited"
        code = post("/api/v1/shares", None)  # budget spent: still 429
        assert code.status_code == 429
        visitor = api(make_user("bob"))
        link = None
        for _ in range(4):
            db.session.rollback()
            with app.app_context():
                last = visitor.post("/api/v1/shares", {"target_type": "invite", "target_id": 2})
                link = link or last.get_json()["code"]
        visits = []
        for _ in range(4):
            db.session.rollback()
            with app.app_context():
                visits.append(visitor.post(f"/api/v1/shares/{link}/visits").status_code)
        assert visits == [201, 201, 201, 429]

    def test_registration_and_sign_in_are_rate_limited(self, app: Any, api: Any) -> None:
        from tokenmart.extensions import db

        def post(path: str, body: Any) -> int:
            db.session.rollback()
            with app.app_context():
                return api().post(path, body).status_code

        registered = [post("/api/v1/users", {"username": f"newbie{i}", "password": PASSWORD})
                      for i in range(3)]
        assert registered == [201, 201, 429]
        signins = [post("/api/v1/auth/tokens", {"username": "newbie0", "password": PASSWORD})
                   for _ in range(3)]
        assert signins == [201, 201, 429]


def test_hostile_calendar_and_leaderboard_input_is_never_a_500(app: Any, make_user: Any,
                                                                api: Any) -> None:
    client = api(make_user("alice"))
    for month in ("0000-01", "9999-12", "abcd-01", "2026-1", "2026-00", "x" * 300):
        resp = client.get(f"/api/v1/checkins?month={month}")
        assert resp.status_code == 422, month
    for week in ("0001-01-01", "9999-12-31", "nope"):
        assert client.get(f"/api/v1/leaderboard?week={week}").status_code == 422, week
    browser = _signed_in(app, "alice")
    for month in ("0001-01", "9999-12", "2026-13", "junk"):
        assert browser.get(f"/tasks?month={month}").status_code == 200, month
    for week in ("0001-01-01", "9999-12-31"):
        assert browser.get(f"/leaderboard?week={week}").status_code == 200, week
    resp = client.post("/api/v1/shares", {"target_type": "invite", "target_id": "1"})
    assert resp.status_code == 422
    resp = client.post("/api/v1/shares", data="{not json", content_type="application/json")
    assert resp.status_code == 400
    assert client.post("/api/v1/shares/" + "z" * 500 + "/visits").status_code == 404


def _checked_in_texts(browser: Any, app: Any, lang: str) -> list[str]:
    """What a reader in `lang` sees once checked in: Tasks' line, then home's two lines
    (each a paragraph of its own)."""
    from tokenmart.extensions import db

    db.session.rollback()  # the test's session must not hold SQLite's write lock
    with app.app_context():  # a fresh `g`: Flask-Babel caches the locale there
        tasks = BeautifulSoup(browser.get(f"/tasks?lang={lang}").get_data(as_text=True),
                              "html.parser")
        home = BeautifulSoup(browser.get(f"/?lang={lang}").get_data(as_text=True),
                             "html.parser")
    return [soup.select_one(f"[data-testid={testid}]").get_text(" ", strip=True)
            for soup, testid in ((tasks, "checked-in"), (home, "home-checked-in"),
                                 (home, "home-tomorrow"))]


@pytest.mark.parametrize(("days", "english", "chinese"), [
    (1, "You have checked in today. Tomorrow pays 10 coins.", "今天已签到。明天可得 10 金币。"),
    (6, "You have checked in today. Tomorrow pays 50 coins and 5 little red flowers.",
     "今天已签到。明天可得 50 金币和 5 朵小红花。"),
])
def test_tomorrow_pays_is_one_sentence_in_each_language(app: Any, make_user: Any, days: int,
                                                        english: str, chinese: str) -> None:
    """After a check-in, Tasks and home say what tomorrow pays as whole sentences: a
    Chinese full stop in Chinese (never "金币." or "小红花."), an English one in English."""
    from datetime import timedelta

    from tokenmart.core.clock import local_today
    from tokenmart.earning import service
    from tokenmart.extensions import db

    user = make_user("hana")
    for back in range(days - 1, -1, -1):
        service.check_in(user.id, day=local_today() - timedelta(days=back))
    db.session.commit()
    browser = _signed_in(app, "hana")

    tasks, done, tomorrow = _checked_in_texts(browser, app, "zh_Hans")
    assert tasks == chinese
    assert tomorrow == chinese.removeprefix("今天已签到。")
    assert done.startswith(f"✓ 今天已签到：连续第 {days} 天。今天获得") and done.endswith("金币。")
    for text in (tasks, done, tomorrow):
        assert "金币." not in text and "小红花." not in text and "。 " not in text

    tasks, done, tomorrow = _checked_in_texts(browser, app, "en")
    assert tasks == english
    assert tomorrow == english.removeprefix("You have checked in today. ")
    assert done.startswith(f"✓ Checked in today: day {days} of your streak. Today paid ")
    assert done.endswith(" coins.")
