"""Earning's blocks on home: today's check-in and tasks first, then the first-run checklist."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.barter.conftest import LISTING
from tests.conftest import PASSWORD


def _signed_in(app: Any, username: str) -> Any:
    browser = app.test_client()
    resp = browser.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302
    return browser


def _home(browser: Any, lang: str = "") -> BeautifulSoup:
    resp = browser.get(f"/?lang={lang}" if lang else "/")
    assert resp.status_code == 200
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def _feature_sections(soup: BeautifulSoup) -> list[Any]:
    """The home page's feature blocks (not the welcome banner or the balances)."""
    return [s for s in soup.select("main section")
            if not {"hero", "balances"} & set(s.get("class") or [])]


def _steps(soup: BeautifulSoup) -> dict[str, str]:
    return {li["data-step"]: li["data-done"] for li in soup.select("[data-testid=first-steps] li")}


def test_signed_in_home_starts_with_todays_checkin(app: Any, make_user: Any) -> None:
    make_user("hana")
    soup = _home(_signed_in(app, "hana"))
    sections = _feature_sections(soup)
    assert len(sections) >= 2
    assert sections[0].get("data-testid") == "home-checkin"
    button = sections[0].select_one("[data-testid=home-checkin-button]")
    assert button is not None and "Check in: +5 coins" in button.get_text(" ", strip=True)
    assert sections[0].select_one("[data-testid=home-streak]").get_text(" ", strip=True) \
        == "0 days in a row"
    tasks = {li["data-task"]: li.get_text(" ", strip=True)
             for li in sections[0].select("[data-testid=today-tasks] li")}
    assert list(tasks) == ["checkin", "share", "invite"]
    assert "5 coins" in tasks["checkin"] and "To do" in tasks["checkin"]
    assert "10 coins for each friend who opens it" in tasks["share"]
    assert "0 of 5 paid today" in tasks["share"]
    assert "50 little red flowers once they have checked in on two days" in tasks["invite"]


def test_anonymous_home_has_no_earning_blocks(app: Any) -> None:
    soup = _home(app.test_client())
    assert soup.select_one("[data-testid=home-checkin]") is None
    assert soup.select_one("[data-testid=first-steps]") is None


def test_checking_in_from_home_comes_back_home_with_the_state(app: Any, make_user: Any) -> None:
    from tests.earning.conftest import balances

    user = make_user("hana")
    browser = _signed_in(app, "hana")
    resp = browser.post("/tasks/checkin", data={"next": "/"})
    assert resp.status_code == 302 and resp.location == "/"
    soup = _home(browser)
    block = soup.select_one("[data-testid=home-checkin]")
    assert block.select_one("[data-testid=home-checkin-button]") is None
    text = block.get_text(" ", strip=True)
    assert "Checked in today: day 1 of your streak." in text
    assert "Today paid 5 coins." in text and "Tomorrow pays 10 coins." in text
    assert "1 day in a row" in text
    assert block.select_one("[data-task=checkin]")["data-done"] == "yes"
    flashes = [f.get_text() for f in soup.select(".flash")]
    assert "Day 1 of your streak: +5 coins!" in flashes
    assert balances(user)["coin"] == 5


@pytest.mark.parametrize("evil", ["//evil.example/x", "https://evil.example/", "\\\\evil", ""])
def test_checkin_never_redirects_off_site(app: Any, make_user: Any, evil: str) -> None:
    make_user("hana")
    resp = _signed_in(app, "hana").post("/tasks/checkin", data={"next": evil})
    assert resp.status_code == 302 and resp.location == "/tasks"


def test_todays_share_task_counts_paid_visits(app: Any, make_user: Any,
                                              fake_target: str) -> None:
    from tokenmart.earning import service
    from tokenmart.extensions import db

    sharer = make_user("hana")
    link = service.create_share(sharer.id, fake_target, 1)
    for name in ("visitor1", "visitor2"):
        service.record_visit(link.code, make_user(name).id)
    db.session.commit()
    soup = _home(_signed_in(app, "hana"))
    share = soup.select_one("[data-testid=today-tasks] [data-task=share]")
    assert "2 of 5 paid today" in share.get_text(" ", strip=True)
    assert share["data-done"] == "no"


def test_today_block_in_chinese(app: Any, make_user: Any) -> None:
    from tokenmart.extensions import db

    make_user("hana")
    browser = _signed_in(app, "hana")
    db.session.rollback()
    with app.app_context():  # a fresh `g`: Flask-Babel caches the locale there
        soup = _home(browser, "zh_Hans")
    block = soup.select_one("[data-testid=home-checkin]")
    text = block.get_text(" ", strip=True)
    assert "今日签到与任务" in text and "签到：+5 金币" in text
    assert "每位好友打开可得 10 金币" in text


# --- the first-run checklist --------------------------------------------------------


def test_first_steps_follow_the_data(app: Any, make_user: Any, api: Any) -> None:
    from tokenmart.coupons.coupon_service import claim_coupon
    from tokenmart.coupons.templates_service import create_template
    from tokenmart.earning import service
    from tokenmart.extensions import db

    user = make_user("nina")
    browser = _signed_in(app, "nina")
    soup = _home(browser)
    assert _steps(soup) == {"checkin": "no", "coupon": "no", "listing": "no"}
    assert soup.select_one("[data-testid=first-steps-progress]").get_text(strip=True) \
        == "0 of 3 done"
    links = {li["data-step"]: li.a["href"] for li in soup.select("[data-testid=first-steps] li")}
    assert links == {"checkin": "/tasks#checkin", "coupon": "/coupons", "listing": "/sell"}

    service.check_in(user.id)
    db.session.commit()
    assert _steps(_home(browser)) == {"checkin": "yes", "coupon": "no", "listing": "no"}

    template = create_template(actor_id=None, name="5 off", kind="amount_off", value=500,
                               claimable=True)
    claim_coupon(template.id, user.id)
    db.session.commit()
    assert _steps(_home(browser)) == {"checkin": "yes", "coupon": "yes", "listing": "no"}

    assert api(user).post("/api/v1/listings", json=LISTING).status_code == 201
    db.session.rollback()
    soup = _home(browser)
    assert soup.select_one("[data-testid=first-steps]") is None  # all done: gone
    assert soup.select_one("[data-testid=home-checkin]") is not None


def test_first_steps_can_be_hidden_per_user(app: Any, make_user: Any) -> None:
    make_user("nina")
    make_user("omar")
    browser = _signed_in(app, "nina")
    assert _home(browser).select_one("[data-testid=first-steps]") is not None
    resp = browser.post("/first-steps/hide")
    assert resp.status_code == 302 and resp.location == "/"
    soup = _home(browser)
    assert soup.select_one("[data-testid=first-steps]") is None
    assert any("Checklist hidden." in f.get_text() for f in soup.select(".flash"))
    assert soup.select_one("[data-testid=home-checkin]") is not None
    # Someone else signing in on this browser still gets their own checklist.
    browser.post("/logout")
    browser.post("/login", data={"username": "omar", "password": PASSWORD})
    assert _home(browser).select_one("[data-testid=first-steps]") is not None


def test_hiding_first_steps_needs_csrf(app: Any, make_user: Any) -> None:
    make_user("nina")
    browser = _signed_in(app, "nina")
    app.config["WTF_CSRF_ENABLED"] = True
    browser.post("/first-steps/hide")
    app.config["WTF_CSRF_ENABLED"] = False
    assert _home(browser).select_one("[data-testid=first-steps]") is not None


def test_first_step_registry_takes_new_steps(app: Any, make_user: Any) -> None:
    from tokenmart.earning import first_steps as fs

    user = make_user("nina")

    def extra(user_id: int) -> fs.FirstStep:
        return fs.FirstStep("extra", "Do one more thing", user_id == user.id, "/x")

    fs.register_first_step(extra)
    fs.register_first_step(extra)  # once only
    try:
        with app.test_request_context():
            steps = fs.first_steps(user.id)
        assert [s.key for s in steps] == ["checkin", "coupon", "listing", "extra"]
        assert steps[-1].done is True
    finally:
        fs.FIRST_STEPS.remove(extra)
