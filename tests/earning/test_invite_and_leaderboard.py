"""Invite links opened by members, the leaderboard's "me", and the Tasks page in two languages."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD
from tests.earning.conftest import local
from tests.earning.test_pages import leaderboard_rows


def _signed_in(app: Any, username: str) -> Any:
    browser = app.test_client()
    resp = browser.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302
    return browser


def _flashes(html: str) -> list[str]:
    return [f.get_text(strip=True) for f in BeautifulSoup(html, "html.parser").select(".flash")]


def _invite_code(user: Any) -> str:
    from tokenmart.earning import service
    from tokenmart.extensions import db

    link = service.create_share(user.id, "invite", user.id)
    db.session.commit()
    return link.code


# --- invite links -------------------------------------------------------------------


def test_member_opening_a_friends_invite_link_goes_home_not_to_registration(
        app: Any, make_user: Any) -> None:
    code = _invite_code(make_user("alice"))
    make_user("bob")
    browser = _signed_in(app, "bob")
    resp = browser.get(f"/s/{code}")
    assert resp.status_code == 302 and resp.location == "/"
    html = browser.get("/").get_data(as_text=True)
    assert "You already have an account — invite links are for new friends." in _flashes(html)
    assert "Thanks for visiting: your friend earned coins." in _flashes(html)
    assert "Create your account" not in html


def test_opening_my_own_invite_link_says_so(app: Any, make_user: Any) -> None:
    code = _invite_code(make_user("alice"))
    browser = _signed_in(app, "alice")
    resp = browser.get(f"/s/{code}", follow_redirects=True)
    assert resp.request.path == "/"
    assert ("This is your own invite link: share it with friends who are new here."
            in _flashes(resp.get_data(as_text=True)))


def test_new_visitor_still_lands_on_registration(app: Any, make_user: Any) -> None:
    code = _invite_code(make_user("alice"))
    resp = app.test_client().get(f"/s/{code}")
    assert resp.status_code == 302 and resp.location.endswith("/register")


# --- the leaderboard ------------------------------------------------------------------


def _earn(api: Any, *users: Any) -> None:
    for user in users:
        assert api(user).post("/api/v1/checkins").status_code == 201


def test_leaderboard_marks_my_row(app: Any, make_user: Any, api: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    _earn(api, alice, bob)
    html = _signed_in(app, "bob").get("/leaderboard").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    mine = soup.select("[data-testid=leaderboard] tr[aria-current]")
    assert len(mine) == 1 and "me" in mine[0]["class"]
    assert mine[0].get_text(" ", strip=True) == "1 bob You 5"  # a tie shares the rank
    assert leaderboard_rows(html) == [["1", "alice", "5"], ["1", "bob You", "5"]]
    assert soup.select_one("[data-testid=my-rank]").get_text(" ", strip=True) \
        == "You are number 1 this week with 5 coins."


def test_anonymous_leaderboard_marks_nobody(app: Any, make_user: Any, api: Any) -> None:
    _earn(api, make_user("alice"))
    soup = BeautifulSoup(app.test_client().get("/leaderboard").get_data(as_text=True),
                         "html.parser")
    assert soup.select("tr[aria-current]") == [] and soup.select_one("[data-testid=my-rank]") is None


class TestShortBoard:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"EARNING_LEADERBOARD_SIZE": 2}

    def test_my_rank_shows_below_the_board_when_i_am_not_on_it(
            self, app: Any, make_user: Any, api: Any) -> None:
        from tokenmart.earning.service import check_in
        from tokenmart.extensions import db

        users = [make_user(n) for n in ("alice", "bob", "carol")]
        with time_machine.travel(local(2026, 3, 10, 9), tick=False):
            # alice 5+10, bob 5+10, carol 5 (Tue and Wed of the week of Mon 9 March)
            for user in users:
                check_in(user.id)
        with time_machine.travel(local(2026, 3, 11, 9), tick=False):
            for user in users[:2]:
                check_in(user.id)
            db.session.commit()
            html = _signed_in(app, "carol").get("/leaderboard").get_data(as_text=True)
        rows = leaderboard_rows(html)
        assert rows == [["1", "alice", "15"], ["1", "bob", "15"], ["⋯"], ["3", "carol You", "5"]]
        soup = BeautifulSoup(html, "html.parser")
        assert soup.select_one("tr[aria-current]").get_text(" ", strip=True) == "3 carol You 5"
        assert soup.select_one("[data-testid=my-rank]").get_text(" ", strip=True) \
            == "You are number 3 this week with 5 coins."
        assert "Mar 9, 2026" in html and "Mar 15, 2026" in html  # dates in the locale


def test_my_standing_shares_ranks_and_skips_hidden_users(app: Any, make_user: Any,
                                                         api: Any) -> None:
    from tokenmart.earning.leaderboard import my_standing
    from tokenmart.extensions import db

    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    _earn(api, alice, bob)
    assert my_standing(alice.id) == {"rank": 1, "coins": 5}
    assert my_standing(bob.id) == {"rank": 1, "coins": 5}
    assert my_standing(carol.id) is None  # no task coins this week
    bob.leaderboard_opt_out = True
    db.session.commit()
    assert my_standing(bob.id) is None


def test_leaderboard_tells_me_why_i_am_not_on_it(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.extensions import db

    alice = make_user("alice")
    browser = _signed_in(app, "alice")
    html = browser.get("/leaderboard").get_data(as_text=True)
    assert "You have not earned task coins this week yet" in html
    _earn(api, alice)
    alice.leaderboard_opt_out = True
    db.session.commit()
    html = browser.get("/leaderboard").get_data(as_text=True)
    assert "You are hidden from the leaderboard." in html
    assert BeautifulSoup(html, "html.parser").select("tr[aria-current]") == []


def test_leaderboard_table_scrolls_inside_its_box(app: Any, make_user: Any, api: Any) -> None:
    _earn(api, make_user("alice"))
    soup = BeautifulSoup(app.test_client().get("/leaderboard").get_data(as_text=True),
                         "html.parser")
    table = soup.select_one("[data-testid=leaderboard]")
    assert "scroll" in table.parent["class"]


# --- the Tasks page in both languages -------------------------------------------------


def _tasks(app: Any, browser: Any, query: str) -> BeautifulSoup:
    from tokenmart.extensions import db

    db.session.rollback()
    with app.app_context():  # a fresh `g`: Flask-Babel caches the locale there
        resp = browser.get(f"/tasks?{query}")
    assert resp.status_code == 200
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


@pytest.mark.parametrize(("lang", "month", "weekdays", "tiers"), [
    ("en", "March 2026", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
     "Member, Silver, Gold, and Platinum"),
    ("zh_Hans", "2026年3月", ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
     "普通会员、白银会员、黄金会员和铂金会员"),
])
def test_tasks_calendar_and_rules_speak_the_readers_language(
        app: Any, make_user: Any, lang: str, month: str, weekdays: list[str], tiers: str) -> None:
    make_user("alice")
    soup = _tasks(app, _signed_in(app, "alice"), f"month=2026-03&lang={lang}")
    assert soup.select_one("[data-testid=calendar-month]").get_text(strip=True) == month
    assert [th.get_text(strip=True) for th in soup.select("[data-testid=calendar] th")] == weekdays
    assert tiers in soup.select_one("[data-testid=rules]").get_text(" ", strip=True)
    assert soup.title.get_text().startswith("Tasks" if lang == "en" else "任务")


def test_my_share_links_say_what_they_point_to(app: Any, make_user: Any) -> None:
    _invite_code(make_user("alice"))
    browser = _signed_in(app, "alice")
    targets = [el.get_text(strip=True)
               for el in _tasks(app, browser, "lang=en").select("[data-testid=share-target]")]
    assert targets == ["Invitation to join"]
    targets = [el.get_text(strip=True)
               for el in _tasks(app, browser, "lang=zh_Hans").select("[data-testid=share-target]")]
    assert targets == ["注册邀请"]


def test_big_numbers_on_the_tasks_page_are_grouped(app: Any, make_user: Any) -> None:
    from tests.earning.test_leaderboard_tiers import _earn as earn_coins

    user = make_user("alice")
    earn_coins(user, 12345, None)
    from tokenmart.extensions import db

    db.session.commit()
    soup = _tasks(app, _signed_in(app, "alice"), "lang=en")
    tier = soup.select_one("#tier").get_text(" ", strip=True)
    assert "12,345 coins earned from tasks in the last 90 days" in tier
