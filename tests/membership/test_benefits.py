"""Benefits: the multiplier after the tier's (member day twice), member prices, never a sum
across cards, and an ended card stopping at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from tests.conftest import new_key
from tests.coupons.helpers import login
from tests.membership.conftest import local
from tokenmart.core.clock import utcnow
from tokenmart.earning.tiers import apply_multiplier
from tokenmart.extensions import db
from tokenmart.mall.models import member_price
from tokenmart.membership import benefits, joining


def _join(card, user) -> None:
    joining.join_card(card.id, user.id)
    db.session.commit()


def _text(response, selector: str) -> str:
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return soup.select_one(selector).get_text(" ", strip=True)


def test_member_day_doubles_exactly_on_the_configured_local_weekday(app, make_user, make_card):
    card = make_card("free", member_day=3,  # Wednesday
                     benefits={"earn_multiplier_percent": 150, "member_discount_percent": 20})
    user = make_user("wed")
    _join(card, user)
    seen = {}
    # 2026-03-02 is a Monday; 00:30 local is still the previous day in UTC
    for offset in range(7):
        with time_machine.travel(local(2026, 3, 2 + offset, 0, 30), tick=False):
            seen[offset + 1] = (apply_multiplier(100, "member", user.id),
                                member_price(user.id, 1, "coin", 100))
    assert seen[3] == (225, 64)  # 100 x 1.5 x 1.5; 100 -> 80 -> 64
    assert all(seen[d] == (150, 80) for d in (1, 2, 4, 5, 6, 7))


def test_multiplier_applies_after_the_tier_and_rounds_down(app, make_user, make_card):
    card = make_card("free", benefits={"earn_multiplier_percent": 150})
    user = make_user("silver")
    _join(card, user)
    # silver 1.1: 5 -> 5, then x1.5 -> 7 (7.5 rounded down)
    assert apply_multiplier(5, "silver", user.id) == 7
    assert apply_multiplier(5, "silver") == 5  # without a user: the tier only


def test_multiplier_and_member_price_never_stack_across_cards(app, make_user, make_card):
    a = make_card("free", name="A", benefits={"earn_multiplier_percent": 150,
                                              "member_discount_percent": 10})
    b = make_card("free", name="B", benefits={"earn_multiplier_percent": 120,
                                              "member_discount_percent": 25})
    user = make_user("both")
    _join(a, user)
    _join(b, user)
    assert apply_multiplier(100, "member", user.id) == 150  # not 180
    assert member_price(user.id, 1, "coin", 100) == 75  # not 67


def test_member_price_never_below_one(app, make_user, make_card):
    card = make_card("free", member_day=1, benefits={"member_discount_percent": 99})
    user = make_user("cheap")
    _join(card, user)
    with time_machine.travel(local(2026, 3, 2, 12), tick=False):  # a Monday
        assert member_price(user.id, 1, "coin", 3) == 1


def test_checkin_pays_the_card_multiplier(app, make_user, make_card, api):
    card = make_card("free", benefits={"earn_multiplier_percent": 200})
    user = make_user("checker")
    _join(card, user)
    resp = api(user).post("/api/v1/checkins")
    assert resp.status_code == 201
    assert resp.get_json()["awarded"]["coin"] == 10  # day 1 pays 5, x2


def test_what_today_promises_includes_the_card_multiplier(app, make_user, make_card):
    """The Tasks page and home say what a check-in and a share will pay: with the card's
    multiplier, as the payouts themselves."""
    from tokenmart.earning.today import earning_today

    card = make_card("free", benefits={"earn_multiplier_percent": 200})
    user = make_user("promised")
    before = earning_today(user.id, "bronze")
    _join(card, user)
    after = earning_today(user.id, "bronze")
    assert after["checkin"]["pays"]["coin"] == 2 * before["checkin"]["pays"]["coin"]
    share = {t["key"]: t for t in after["tasks"]}["share"]
    share_before = {t["key"]: t for t in before["tasks"]}["share"]
    assert share["pays"]["coin"] == 2 * share_before["pays"]["coin"]


def test_redemption_charges_the_member_price(app, make_user, make_card, api):
    from tokenmart.mall import admin_service

    reward = admin_service.create_reward(None, {"name": "Mug", "currency": "coin", "price": 100,
                                                "grant": {"type": "physical"}})
    db.session.commit()
    card = make_card("free", benefits={"member_discount_percent": 20})
    user = make_user("shopper", coin=500)
    _join(card, user)
    resp = api(user).post(f"/api/v1/rewards/{reward.id}/redemptions",
                          json={"shipping_address": "1 Road"}, key=new_key())
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["price"] == 80
    assert resp.get_json()["balance_after"] == 420


def test_an_ended_card_stops_giving_benefits_at_once(app, make_user, make_card):
    card = make_card("paid", price=10, currency="coin", validity_days=30,
                     benefits={"earn_multiplier_percent": 150})
    user = make_user("lapsed", coin=10)
    _join(card, user)
    assert apply_multiplier(100, "member", user.id) == 150
    with time_machine.travel(utcnow() + timedelta(days=30, seconds=1), tick=False):
        assert benefits.active_cards(user.id) == []  # before any job marked it ended
        assert apply_multiplier(100, "member", user.id) == 100


def test_light_card_member_price_is_recorded_as_savings_at_the_latest_rate(
        app, make_user, make_card, api, monkeypatch):
    from tokenmart.mall import admin_service
    from tokenmart.membership import light
    from tokenmart.membership.models import Membership

    monkeypatch.setattr(light, "latest_coin_rate", lambda: 500)  # 1,000 coins = ¥5.00
    reward = admin_service.create_reward(None, {"name": "Lamp", "currency": "coin",
                                                "price": 1000, "grant": {"type": "physical"}})
    db.session.commit()
    card = make_card("light", fee_cents=1000, validity_days=30,
                     benefits={"member_discount_percent": 20})
    user = make_user("saver", coin=1000, credit=1000)
    _join(card, user)
    resp = api(user).post(f"/api/v1/rewards/{reward.id}/redemptions",
                          json={"shipping_address": "1 Road"}, key=new_key())
    assert resp.get_json()["price"] == 800
    membership = db.session.query(Membership).one()
    bill = light.bill(membership)
    assert bill.savings_cents == 100  # 200 coins at 500 cents per 1,000
    assert bill.due_cents == 100


@pytest.mark.parametrize(("member_day", "today_paid", "tomorrow_pays"), [
    (3, 6, 11),  # member day today: day 1 pays 5 x 1.1 x 1.1; tomorrow's day 2 only 10 x 1.1
    (4, 5, 12),  # member day tomorrow: today 5 x 1.1; tomorrow 10 x 1.1 x 1.1 (12.1)
])
def test_tomorrow_pays_with_tomorrows_member_day(app, make_user, make_card, member_day,
                                                 today_paid, tomorrow_pays):
    """What home and Tasks promise for tomorrow follows tomorrow's weekday, not today's
    (a card's member day today once promised 12 where tomorrow paid 11), and tomorrow's
    check-in pays exactly that."""
    from tokenmart.earning import service

    card = make_card("free", member_day=member_day, benefits={"earn_multiplier_percent": 110})
    user = make_user(f"promise{member_day}")
    with time_machine.travel(local(2026, 3, 4, 12), tick=False):  # a Wednesday
        _join(card, user)
        browser = login(app, user.username)
        assert browser.post("/tasks/checkin", data={"next": "/"}).status_code == 302
        home = _text(browser.get("/"), "[data-testid=home-checkin]")
        assert f"Today paid {today_paid} coins." in home
        assert f"Tomorrow pays {tomorrow_pays} coins." in home
        tasks = _text(browser.get("/tasks"), "[data-testid=checked-in]")
        assert f"Tomorrow pays {tomorrow_pays} coins." in tasks
    with time_machine.travel(local(2026, 3, 5, 12), tick=False):  # the Thursday
        assert service.check_in(user.id).coins == tomorrow_pays
        db.session.commit()


def test_tomorrow_pays_without_a_card_that_ends_tonight(app, make_user, make_card):
    """A card that ends before tomorrow starts adds nothing to tomorrow's promise."""
    from tokenmart.earning import service

    card = make_card("paid", price=10, currency="coin", validity_days=1,
                     benefits={"earn_multiplier_percent": 200})
    user = make_user("lastday", coin=10)
    with time_machine.travel(local(2026, 3, 3, 23, 30), tick=False):  # ends 03-04 23:30
        _join(card, user)
    with time_machine.travel(local(2026, 3, 4, 23), tick=False):
        assert service.check_in(user.id).coins == 10  # day 1: 5 x 2, the card still counts
        db.session.commit()
        assert service.checkin_month(user.id, 2026, 3)["next_reward"]["coin"] == 10  # not 20
