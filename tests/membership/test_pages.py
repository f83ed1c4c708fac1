"""Pages: the wallet, a card page with its rules before joining, join with confirmation,
the light card's running bill, the poster, and the back office."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.coupons.helpers import login
from tokenmart.extensions import db
from tokenmart.membership.models import CardProgram, Membership


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _key(html: str) -> str:
    return re.search(r'id="key"[^>]*value="([^"]+)"|name="key"[^>]*value="([^"]+)"', html).group(0)


def test_join_a_free_card_through_the_confirmation(app, make_user, make_card):
    card = make_card("free", name="Sunflower", tagline="Welcome aboard",
                     benefits={"earn_multiplier_percent": 150}, member_day=3)
    make_user("wendy")
    browser = login(app, "wendy")
    page = browser.get(f"/cards/{card.id}").get_data(as_text=True)
    assert "Sunflower" in page and "Welcome aboard" in page
    assert "×1.5" in page and "Wednesday" in page and "Free: join once" in page
    confirm = browser.get(f"/cards/{card.id}/join")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', html).group(1)
    resp = browser.post(f"/cards/{card.id}/join", data={"csrf_token": _csrf(html), "key": key})
    assert resp.status_code == 302
    assert db.session.execute(sa.select(sa.func.count()).select_from(Membership)).scalar() == 1
    wallet = browser.get("/cards").get_data(as_text=True)
    assert 'data-testid="member-card"' in wallet and "Sunflower" in wallet


def test_paid_double_submit_charges_once(app, make_user, make_card):
    card = make_card("paid", price=100, currency="coin", validity_days=30)
    user = make_user("double", coin=300)
    browser = login(app, "double")
    html = browser.get(f"/cards/{card.id}/join").get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', html).group(1)
    for _ in range(2):
        browser.post(f"/cards/{card.id}/join", data={"csrf_token": _csrf(html), "key": key})
    from tokenmart.ledger.service import balances_of

    assert balances_of(user.id)["coin"] == 200


def test_light_card_page_shows_the_running_bill(app, make_user, make_card, five_coupon_pack):
    from tokenmart.membership import joining

    card = make_card("light", fee_cents=1000, validity_days=30,
                     benefits={"coupon_pack_id": five_coupon_pack.id})
    user = make_user("billy", credit=1000)
    joining.join_card(card.id, user.id)
    db.session.commit()
    browser = login(app, "billy")
    page = browser.get(f"/cards/{card.id}").get_data(as_text=True)
    assert 'data-testid="light-bill"' in page
    assert "¥10.00" in page and "¥0.00" in page


def test_anonymous_sees_the_card_and_poster(app, make_card, client):
    card = make_card("free", name="Open card")
    page = client.get(f"/cards/{card.id}")
    assert page.status_code == 200 and "Sign in to join" in page.get_data(as_text=True)
    poster = client.get(f"/cards/{card.id}/poster").get_data(as_text=True)
    assert "<svg" in poster and f"/cards/{card.id}" in poster
    assert client.get("/cards").status_code == 302  # the wallet needs sign-in
    closed = make_card("free", name="Closed", active=False)
    assert client.get(f"/cards/{closed.id}").status_code == 404


def test_member_day_banner_shows_on_that_day_only(app, make_user, make_card):
    import time_machine

    from tokenmart.membership import joining

    card = make_card("free", name="Friday club", member_day=5,
                     benefits={"member_discount_percent": 10})
    user = make_user("fri")
    joining.join_card(card.id, user.id)
    db.session.commit()
    browser = login(app, "fri")
    from datetime import timedelta

    from tokenmart.core.clock import local_now

    today = local_now()
    friday = today + timedelta(days=(5 - today.isoweekday()) % 7 or 7)  # the next Friday
    with time_machine.travel(friday.replace(hour=12), tick=False):
        assert 'data-testid="member-day-banner"' in browser.get("/cards").get_data(as_text=True)
    with time_machine.travel((friday + timedelta(days=1)).replace(hour=12), tick=False):
        assert 'data-testid="member-day-banner"' not in browser.get("/cards").get_data(as_text=True)


def test_admin_creates_a_card_with_the_form_and_sees_members(app, admin, make_user):
    browser = login(app, "admin")
    html = browser.get("/admin/cards").get_data(as_text=True)
    resp = browser.post("/admin/cards", data={
        "csrf_token": _csrf(html), "name": "Light one", "kind": "light", "tagline": "Pay after",
        "color": "#336699", "validity_days": "30", "fee": "10.00", "currency": "coin",
        "condition_metric": "", "coupon_pack_id": "0", "member_day": "0", "active": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    card = db.session.execute(sa.select(CardProgram)).scalar_one()
    assert (card.kind, card.fee_cents, card.color) == ("light", 1000, "#336699")
    bad = browser.post("/admin/cards", data={
        "csrf_token": _csrf(html), "name": "Paid no price", "kind": "paid", "color": "#336699",
        "currency": "coin", "condition_metric": "", "coupon_pack_id": "0", "member_day": "0"})
    assert bad.status_code == 422
    assert browser.get(f"/admin/cards/{card.id}/members").status_code == 200
    assert browser.get(f"/admin/cards/{card.id}").status_code == 200
    make_user("plain")
    assert login(app, "plain").get("/admin/cards").status_code == 403


def test_mall_pages_show_the_member_price(app, make_user, make_card):
    from flask import url_for

    from tokenmart.mall import admin_service
    from tokenmart.membership import joining

    reward = admin_service.create_reward(None, {"name": "Kettle", "currency": "coin",
                                                "price": 100, "grant": {"type": "physical"}})
    card = make_card("free", benefits={"member_discount_percent": 20})
    user = make_user("pricey", coin=500)
    db.session.commit()
    browser = login(app, "pricey")
    with app.test_request_context():
        reward_url, mall_url = url_for("mall.reward", reward_id=reward.id), url_for("mall.index")
    assert "80 coins" not in browser.get(reward_url).get_data(as_text=True)
    joining.join_card(card.id, user.id)
    db.session.commit()
    for url in (reward_url, mall_url):
        page = browser.get(url).get_data(as_text=True)
        assert "80 coins" in page and 'data-testid="base-price"' in page


def test_reward_price_is_labelled_by_what_set_it_card_or_tier(app, make_user, make_card, api):
    """A card's member price says so, with the card; a tier price keeps the tier's name;
    with both, the card (which priced last) names it; the charge is what the page said."""
    from flask import url_for

    from tests.conftest import new_key
    from tokenmart.accounts.models import User
    from tokenmart.core.labels import label
    from tokenmart.mall import admin_service
    from tokenmart.membership import joining

    reward = admin_service.create_reward(None, {
        "name": "Kettle", "currency": "coin", "price": 100, "tier_prices": {"gold": 90},
        "grant": {"type": "physical"}})
    card = make_card("free", name="Red card", benefits={"member_discount_percent": 20})
    gwen, mia = make_user("gwen", coin=500), make_user("mia", coin=500)
    db.session.execute(sa.update(User).where(User.id == gwen.id).values(tier="gold"))
    db.session.commit()
    with app.test_request_context():
        reward_url = url_for("mall.reward", reward_id=reward.id)
        gold = label("gold", "tier")

    tier_only = login(app, "gwen").get(reward_url).get_data(as_text=True)
    assert f'data-testid="price-source">Your price ({gold})</div>' in tier_only
    assert 'data-testid="price">90 coins</span>' in tier_only
    assert "Member price (" not in tier_only

    joining.join_card(card.id, mia.id)
    joining.join_card(card.id, gwen.id)
    db.session.commit()
    holder = login(app, "mia").get(reward_url).get_data(as_text=True)
    assert 'data-testid="price-source">Member price (Red card)</div>' in holder
    assert 'data-testid="price">80 coins</span>' in holder
    assert "Your price (" not in holder
    both = login(app, "gwen").get(reward_url).get_data(as_text=True)
    assert 'data-testid="price-source">Member price (Red card)</div>' in both
    assert 'data-testid="price">72 coins</span>' in both  # 20% off the gold price of 90
    assert "Your price (" not in both
    chinese = login(app, "mia").get(reward_url + "?lang=zh_Hans").get_data(as_text=True)
    assert 'data-testid="price-source">会员卡价（Red card）</div>' in chinese
    assert 'data-testid="price">80 金币</span>' in chinese

    for user, shown in ((mia, 80), (gwen, 72)):
        resp = api(user).post(f"/api/v1/rewards/{reward.id}/redemptions",
                              json={"shipping_address": "1 Road"}, key=new_key())
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["price"] == shown


def _soup(browser, url: str):
    from bs4 import BeautifulSoup

    db.session.rollback()  # the test's session must not hold SQLite's write lock
    with browser.application.app_context():  # a fresh `g`: Flask-Babel caches the locale
        resp = browser.get(url)
    assert resp.status_code == 200
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def test_member_day_banner_lists_card_names_in_the_readers_language(app, make_user, make_card):
    """Several cards' member day: the names as a list of the reader's language ("、" and
    "和" in Chinese), never joined with a half-width ", " inside a Chinese sentence."""
    import time_machine

    from tests.membership.conftest import local
    from tokenmart.membership import joining

    names = [("金卡", "Gold card"), ("小红花会员卡", "Red flower card"), ("银卡", "Silver card")]
    user = make_user("many")
    with time_machine.travel(local(2026, 3, 4, 12), tick=False):  # a Wednesday
        for zh, en in names:
            card = make_card("free", name=zh, member_day=3,
                             translations={"en": {"name": en}},
                             benefits={"member_discount_percent": 10})
            joining.join_card(card.id, user.id)
        db.session.commit()
        browser = login(app, "many")
        chinese = _soup(browser, "/cards?lang=zh_Hans").select_one(
            "[data-testid=member-day-banner]").get_text(" ", strip=True)
        english = _soup(browser, "/cards?lang=en").select_one(
            "[data-testid=member-day-banner]").get_text(" ", strip=True)
    # the wallet's order: the newest card first
    assert "今天是银卡、小红花会员卡和金卡的会员日：" in chinese
    assert ", " not in chinese
    assert "Today is member day for Silver card, Red flower card, and Gold card:" in english


def _join_page(browser, card_id: int, lang: str = "en") -> dict:
    soup = _soup(browser, f"/cards/{card_id}/join?lang={lang}")
    short = soup.select_one("[data-testid=join-short]")
    button = soup.select_one("[data-testid=confirm-join]")
    return {"cost": soup.select_one("[data-testid=confirm-cost]").get_text(" ", strip=True),
            "short": short.get_text(" ", strip=True) if short else None,
            "earn": short.select_one("a[data-testid=earn-more]")["href"] if short else None,
            "disabled": button.has_attr("disabled"),
            "described_by": button.get("aria-describedby")}


def test_join_page_says_when_the_balance_is_too_low_and_turns_the_button_off(
        app, make_user, make_card):
    """A paid card the balance cannot pay: the shortfall beside the price, a link to the
    tasks that earn it, the button off; the server still refuses a forced post."""
    card = make_card("paid", price=300, currency="coin", validity_days=90)
    make_user("poor", coin=30)
    make_user("rich", coin=300)
    poor = login(app, "poor")
    page = _join_page(poor, card.id)
    assert page["cost"] == "You pay 300 coins now. Your balance: 30 coins."
    assert page["short"].startswith("You are 270 coins short.")
    assert page["earn"] == "/tasks"
    assert page["disabled"] and page["described_by"] == "join-short"
    chinese = _join_page(poor, card.id, "zh_Hans")
    assert chinese["short"].startswith("还差 270 金币。") and chinese["disabled"]

    html = poor.get(f"/cards/{card.id}/join?lang=en").get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', html).group(1)
    refused = poor.post(f"/cards/{card.id}/join", data={"csrf_token": _csrf(html), "key": key})
    assert refused.status_code == 200
    assert "Your balance is too low for this card." in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Membership)).scalar() == 0

    page = _join_page(login(app, "rich"), card.id)
    assert page["cost"] == "You pay 300 coins now. Your balance: 300 coins."
    assert page["short"] is None and not page["disabled"] and page["described_by"] is None


def test_light_card_join_page_says_how_many_credits_are_missing(app, make_user, make_card):
    card = make_card("light", fee_cents=1000, validity_days=30,
                     benefits={"member_discount_percent": 5})
    make_user("few", credit=300)
    make_user("enough", credit=1000)
    page = _join_page(login(app, "few"), card.id)
    assert page["cost"] == "¥10.00 of your credits will be held. Your credits: ¥3.00."
    assert page["short"].startswith("You are ¥7.00 short. Credits come from your coins")
    assert page["earn"] == "/tasks" and page["disabled"]
    page = _join_page(login(app, "enough"), card.id)
    assert page["short"] is None and not page["disabled"]


def test_renewing_reads_as_one_chinese_paragraph(app, make_user, make_card):
    """"…延长 90 天。 现在支付…": two messages joined by a space between Chinese sentences."""
    from tokenmart.membership import joining

    card = make_card("paid", price=10, currency="coin", validity_days=90)
    member = make_user("member", coin=100)
    joining.join_card(card.id, member.id)
    db.session.commit()
    browser = login(app, "member")
    assert _join_page(browser, card.id, "zh_Hans")["cost"] == (
        "续费后在当前到期日基础上延长 90 天。现在支付 10 金币。你的余额：90 金币。")
    assert _join_page(browser, card.id)["cost"] == (
        "Renewing adds 90 days to the end of your card. You pay 10 coins now. "
        "Your balance: 90 coins.")
