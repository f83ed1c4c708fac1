"""A redemption's own page (owner only), the confirm-protected Redeem form with its
idempotency key, prices for the reader's tier, bad admin input kept as form errors,
and the mall's pages in Chinese."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from tests.conftest import PASSWORD
from tokenmart.accounts.models import User
from tokenmart.core.labels import label
from tokenmart.extensions import db
from tokenmart.mall.admin_service import mark_shipped
from tokenmart.mall.models import Redemption, Reward
from tokenmart.mall.redeem_service import redeem_reward


def _login(client: Any, username: str) -> None:
    assert client.post("/login", data={"username": username,
                                       "password": PASSWORD}).status_code == 302


def _visible(html: str) -> str:
    """The page's text without tags, scripts or attributes (what a person reads)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _key(html: str) -> str:
    match = re.search(r'name="key" type="hidden" value="([0-9a-f]{32})"', html) or re.search(
        r'name="key" value="([0-9a-f]{32})"', html) or re.search(
        r'id="key" name="key" type="hidden" value="([0-9a-f]{32})"', html)
    assert match, "the Redeem form carries no idempotency key"
    return match.group(1)


def test_redemption_detail_voucher_with_copy_button(client, make_user, make_reward):
    make_user("vera", flower=40)
    reward = make_reward("Tea voucher", price=15, grant="voucher_codes", codes=["TEA-9"])
    _login(client, "vera")
    page = client.get(f"/mall/rewards/{reward.id}").get_data(as_text=True)
    resp = client.post(f"/mall/rewards/{reward.id}/redeem", data={"key": _key(page)})
    assert re.fullmatch(r"/mall/redemptions/\d+", resp.location)  # straight to its page
    html = client.get(resp.location).get_data(as_text=True)
    assert 'data-testid="voucher-code">TEA-9<' in html
    assert 'data-copy="TEA-9"' in html
    assert 'data-testid="paid">15 little red flowers<' in html
    assert "<title>Redemption · Tea voucher" in html
    # and the list links to it
    assert f'href="{resp.location}"' in client.get("/mall/redemptions").get_data(as_text=True)


def test_redemption_detail_physical_shows_address_and_shipping(client, make_user, make_reward):
    pia = make_user("pia", coin=100)
    reward = make_reward("Tote", price=30, currency="coin", stock=5)
    result = redeem_reward(reward.id, pia.id, "member", "7 Harbour Road, Ningbo")
    db.session.commit()
    _login(client, "pia")
    path = f"/mall/redemptions/{result.id}"
    html = client.get(path).get_data(as_text=True)
    assert "7 Harbour Road, Ningbo" in html
    assert 'data-testid="shipping-status">Waiting to ship<' in html
    assert "30 coins" in html
    mark_shipped(None, result.id, "SF1234")
    db.session.commit()
    html = client.get(path).get_data(as_text=True)
    assert 'data-testid="shipping-status">Shipped<' in html and "SF1234" in html
    assert "pending" not in _visible(html) and "shipped" not in _visible(html)


def test_redemption_detail_is_owner_only(client, make_user, make_reward):
    owner = make_user("owner", flower=20)
    make_user("nosy")
    reward = make_reward("Pen", price=5)
    result = redeem_reward(reward.id, owner.id, "member", "1 Road")
    db.session.commit()
    path = f"/mall/redemptions/{result.id}"
    assert client.get(path).status_code == 302  # signed out: to the sign-in page
    _login(client, "nosy")
    assert client.get(path).status_code == 404
    assert client.get("/mall/redemptions/2147483647").status_code == 404
    assert client.get("/mall/redemptions/99999999999999999999999").status_code == 404


def test_redeem_form_confirms_the_price_and_renders_a_fresh_key(client, make_user, make_reward):
    make_user("carl", flower=60)
    reward = make_reward("Bubble tea voucher", price=50, grant="voucher_codes", codes=["A"])
    _login(client, "carl")
    first = client.get(f"/mall/rewards/{reward.id}").get_data(as_text=True)
    second = client.get(f"/mall/rewards/{reward.id}").get_data(as_text=True)
    assert 'data-confirm="Spend 50 little red flowers on Bubble tea voucher?"' in first
    assert _key(first) != _key(second)
    assert "onsubmit" not in first  # app.js submits once; no inline script


def test_redeem_double_post_with_rendered_key_redeems_once(client, make_user, make_reward):
    dora = make_user("dora", flower=100)
    reward = make_reward("Sticker", price=10, stock=5)
    _login(client, "dora")
    key = _key(client.get(f"/mall/rewards/{reward.id}").get_data(as_text=True))
    form = {"key": key, "shipping_address": "2 Lane"}
    locations = {client.post(f"/mall/rewards/{reward.id}/redeem", data=form).location
                 for _ in range(2)}
    assert len(locations) == 1
    assert db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar() == 1
    from tokenmart.ledger.service import balances_of

    assert balances_of(dora.id)["flower"] == 90
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 4


def test_tier_price_shown_with_the_normal_price_struck(client, make_user, make_reward):
    gwen = make_user("gwen", flower=100)
    db.session.execute(sa.update(User).where(User.id == gwen.id).values(tier="gold"))
    db.session.commit()
    reward = make_reward("Lamp", price=40, tier_prices={"gold": 30, "platinum": 25})
    _login(client, "gwen")
    with client.application.test_request_context():
        gold = label("gold", "tier")
    for path in ("/mall", f"/mall/rewards/{reward.id}"):
        html = client.get(path).get_data(as_text=True)
        assert f'data-testid="price-source">Your price ({gold})</div>' in html, path
        assert 'data-testid="price">30 little red flowers</span>' in html, path
        assert 'data-testid="base-price">40 little red flowers</s>' in html, path
    html = client.get(f"/mall/rewards/{reward.id}").get_data(as_text=True)
    assert 'data-testid="tier-prices"' in html
    assert 'data-confirm="Spend 30 little red flowers on Lamp?"' in html


def test_short_balance_says_how_much_and_disables_redeem(client, make_user, make_reward):
    make_user("sam", coin=12)
    reward = make_reward("Radio", price=100, currency="coin")
    _login(client, "sam")
    html = client.get(f"/mall/rewards/{reward.id}").get_data(as_text=True)
    assert "Short by 88 coins" in html
    assert re.search(r'data-testid="redeem"\s+disabled', html)


def test_admin_reward_form_refuses_huge_numbers_keeping_input(client, admin):
    _login(client, "admin")
    huge = "99999999999999999999"
    for field in ("price", "price_gold", "price_silver", "price_platinum", "stock",
                  "per_user_limit"):
        data = {"name": "Giant", "description": "keep me", "currency": "coin", "price": "5",
                "grant_type": "physical", field: huge}
        resp = client.post("/admin/mall/rewards/new", data=data)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, field
        assert 'aria-invalid="true"' in html and "keep me" in html, field
    for bad in ("NaN", "1e309", "-5", "0"):
        resp = client.post("/admin/mall/rewards/new", data={
            "name": "Odd", "currency": "coin", "price": bad, "grant_type": "physical"})
        assert resp.status_code == 422, bad
    assert db.session.execute(sa.select(sa.func.count()).select_from(Reward)).scalar() == 0


def test_admin_rewards_list_speaks_labels_not_codes(client, admin, make_reward):
    make_reward("Codes reward", grant="voucher_codes", codes=["X"])
    make_reward("Parcel", stock=0)
    make_reward("Hidden", active=False)
    _login(client, "admin")
    for lang, words in (("en", ["Voucher code", "Physical item", "Out of stock", "Off sale",
                                "Open for redemption"]),
                        ("zh_Hans", ["兑换码", "实物", "已兑完", "已下架", "可兑换"])):
        text = _visible(client.get(f"/admin/mall/rewards?lang={lang}").get_data(as_text=True))
        for word in words:
            assert word in text, (lang, word)
        for code in ("voucher_codes", "physical", "sold_out", "inactive"):
            assert code not in text, (lang, code)


def test_mall_pages_in_chinese(client, make_user, make_reward):
    buyer = make_user("lin", flower=100)
    reward = make_reward("珍珠奶茶", price=20, grant="voucher_codes", codes=["ZH-1"])
    parcel = make_reward("帆布袋", price=10, stock=3)
    done = redeem_reward(parcel.id, buyer.id, "member", "上海市 1 号")
    db.session.commit()
    _login(client, "lin")
    html = client.get(f"/mall/rewards/{reward.id}?lang=zh_Hans").get_data(as_text=True)
    assert 'data-confirm="确定花费 20 朵小红花兑换“珍珠奶茶”吗？"' in html
    assert "你的余额：90 朵小红花" in _visible(html)
    assert "兑换" in _visible(html) and "Redeem" not in _visible(html)
    detail = _visible(client.get(f"/mall/redemptions/{done.id}").get_data(as_text=True))
    assert "等待发货" in detail and "实付" in detail and "Waiting" not in detail
    assert "积分商城" in client.get("/mall").get_data(as_text=True)


def test_admin_codes_page_names_the_csv_header_as_code_not_prose(client, admin, make_reward):
    reward = make_reward("Codes", grant="voucher_codes", codes=["A", "B"])
    _login(client, "admin")
    html = client.get(f"/admin/mall/rewards/{reward.id}/codes?lang=zh_Hans").get_data(
        as_text=True)
    assert '名为 <code translate="no">code</code> 的表头行' in html
    assert "2 个未用兑换码；库存 2。" in html


def test_admin_reward_form_choices_in_chinese(client, admin):
    _login(client, "admin")
    html = client.get("/admin/mall/rewards/new?lang=zh_Hans").get_data(as_text=True)
    assert re.search(r'<option[^>]*value="flower"[^>]*>小红花</option>', html)
    assert re.search(r'<option[^>]*value="physical"[^>]*>实物（需要收货地址）</option>', html)
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
