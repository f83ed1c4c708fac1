"""Mall pages: browsing, redeeming through the form (a double click redeems once),
My redemptions, and the admin's forms, code upload and fulfilment list."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa

from tests.conftest import PASSWORD
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of
from tokenmart.mall.models import Redemption, Reward


def _login(client: Any, username: str) -> None:
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302


def _count(*where: Any) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Redemption).where(*where)).scalar()


def test_mall_shows_price_stock_and_affordability(client, make_user, make_reward):
    make_user("alice", flower=15)
    make_reward("Cheap mug", price=10, stock=4)
    make_reward("Dear lamp", price=99, stock=None)
    _login(client, "alice")
    html = client.get("/mall").get_data(as_text=True)
    assert "Cheap mug" in html and "Dear lamp" in html
    assert "4 left" in html and "Unlimited" in html
    assert html.count('data-testid="affordable"') == 1
    assert "Short by 84 little red flowers" in html


def test_a_reward_redeemed_up_to_the_limit_is_not_offered_again(client, make_user,
                                                                make_reward):
    """The reviewer redeemed the one tote bag a person may have, and the page still said
    "✓ you can redeem" beside an active button that could only be refused."""
    make_user("alice", flower=100)
    tote = make_reward("Tote bag", price=10, stock=5, per_user_limit=1)
    make_reward("Mug", price=10, stock=5, per_user_limit=2)
    _login(client, "alice")
    first = client.post(f"/mall/rewards/{tote.id}/redeem",
                        data={"key": "k-tote", "shipping_address": "1 Road"})
    assert first.status_code == 302, first.get_data(as_text=True)[:300]

    page = client.get(f"/mall/rewards/{tote.id}").get_data(as_text=True)
    assert 'data-testid="limit-reached">Limit reached: 1 per person<' in page
    assert 'data-testid="affordable"' not in page
    button = page.split('data-testid="redeem"', 1)[1].split(">", 1)[0]
    assert "disabled" in button
    mall = client.get("/mall").get_data(as_text=True)
    assert mall.count('data-testid="limit-reached"') == 1  # the tote; the mug is still open
    assert mall.count('data-testid="affordable"') == 1
    zh = client.get(f"/mall/rewards/{tote.id}?lang=zh_Hans").get_data(as_text=True)
    assert "已达上限：每人限兑 1 件" in zh


def test_redeem_form_twice_with_one_key_redeems_once(client, make_user, make_reward):
    bob = make_user("bob", flower=50)
    reward = make_reward("Codes", price=20, grant="voucher_codes", codes=["ZX-1", "ZX-2"])
    _login(client, "bob")
    assert "Redeem" in client.get(f"/mall/rewards/{reward.id}").get_data(as_text=True)
    form = {"key": "k-123", "shipping_address": ""}
    first = client.post(f"/mall/rewards/{reward.id}/redeem", data=form)
    page = client.get(first.location).get_data(as_text=True)
    assert "You paid 20 little red flowers; you have 30 little red flowers left" in page
    assert 'data-testid="voucher-code">ZX-1<' in page
    second = client.post(f"/mall/rewards/{reward.id}/redeem", data=form)
    # both land on the one redemption's page: the second replays, it does not redeem
    redemption_id = db.session.execute(sa.select(Redemption.id)).scalar_one()
    assert first.location == second.location == f"/mall/redemptions/{redemption_id}"
    assert "Already redeemed" in client.get(second.location).get_data(as_text=True)
    assert _count() == 1
    assert balances_of(bob.id)["flower"] == 30
    mine = client.get("/mall/redemptions").get_data(as_text=True)
    assert "ZX-1" in mine and "ZX-2" not in mine


def test_redeem_form_refusals_are_flashed_and_change_nothing(client, make_user, make_reward):
    make_user("carol", flower=5)
    reward = make_reward("Lamp", price=10, stock=2)
    _login(client, "carol")
    resp = client.post(f"/mall/rewards/{reward.id}/redeem",
                       data={"key": "k1", "shipping_address": "1 Road"}, follow_redirects=True)
    assert "Your balance is too low" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 2
    # the refused attempt released its key: a later try with money goes through
    carol_rich = make_user("carol2", flower=50)
    _login(client, carol_rich.username)
    resp = client.post(f"/mall/rewards/{reward.id}/redeem",
                       data={"key": "k1", "shipping_address": ""}, follow_redirects=True)
    assert resp.status_code == 422  # the page again, with the field's error
    assert "Please enter a shipping address" in resp.get_data(as_text=True)
    resp = client.post(f"/mall/rewards/{reward.id}/redeem",
                       data={"key": "k1", "shipping_address": "1 Road"}, follow_redirects=True)
    assert "Waiting to ship" in resp.get_data(as_text=True)
    assert _count() == 1


def test_admin_pages_are_admin_only(client, make_user):
    make_user("dave")
    _login(client, "dave")
    for path in ("/admin/mall/rewards", "/admin/mall/rewards/new", "/admin/mall/fulfilment"):
        assert client.get(path).status_code == 403, path


def test_admin_creates_reward_uploads_codes_and_ships(client, admin, make_user, make_reward):
    _login(client, "admin")
    resp = client.post("/admin/mall/rewards/new", data={
        "name": "Cinema ticket", "currency": "coin", "price": "30", "price_gold": "25",
        "grant_type": "voucher_codes", "active": "y"})
    reward = db.session.execute(sa.select(Reward).where(Reward.name == "Cinema ticket")).scalar()
    assert resp.status_code == 302 and resp.location.endswith(f"/admin/mall/rewards/{reward.id}/codes")
    assert (reward.tier_prices, reward.stock) == ({"gold": 25}, 0)

    csv = b"code\nCIN-1\nCIN-2\n\nCIN-2\nCIN-3\n"
    resp = client.post(f"/admin/mall/rewards/{reward.id}/codes",
                       data={"file": (io.BytesIO(csv), "codes.csv")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "3 codes added (0 already loaded)" in resp.get_data(as_text=True)
    again = client.post(f"/admin/mall/rewards/{reward.id}/codes",
                        data={"file": (io.BytesIO(b"CIN-3\nCIN-4\n"), "more.csv")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "1 codes added (1 already loaded)" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 4

    resp = client.post(f"/admin/mall/rewards/{reward.id}/edit", data={
        "name": "Cinema ticket", "price": "35", "active": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Reward, reward.id)
    assert (edited.price, edited.active, edited.stock) == (35, False, 4)

    erin = make_user("erin", flower=50)
    mug = make_reward("Mug", price=5, stock=None)
    from tokenmart.mall.redeem_service import redeem_reward

    redeemed = redeem_reward(mug.id, erin.id, "member", "9 Erin St")
    db.session.commit()
    page = client.get("/admin/mall/fulfilment").get_data(as_text=True)
    assert "9 Erin St" in page
    resp = client.post(f"/admin/mall/redemptions/{redeemed.id}/ship",
                       data={"tracking_no": "SF123"}, follow_redirects=True)
    assert "Marked as shipped" in resp.get_data(as_text=True)
    assert "9 Erin St" not in client.get("/admin/mall/fulfilment").get_data(as_text=True)
    db.session.expire_all()
    shipped = db.session.get(Redemption, redeemed.id)
    assert (shipped.shipping_status, shipped.tracking_no) == ("shipped", "SF123")


def test_admin_form_rejects_end_before_start(client, admin):
    _login(client, "admin")
    resp = client.post("/admin/mall/rewards/new", data={
        "name": "Bad window", "currency": "flower", "price": "3", "grant_type": "physical",
        "starts_at": "2026-12-02T10:00", "ends_at": "2026-12-01T10:00"})
    assert resp.status_code == 422
    assert "Must be after the start time." in resp.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Reward)).scalar() == 0


def test_admin_form_puts_a_tier_price_above_the_normal_one_on_that_tier(client, admin):
    from bs4 import BeautifulSoup

    _login(client, "admin")
    resp = client.post("/admin/mall/rewards/new?lang=zh_Hans", data={
        "name": "Mug", "currency": "flower", "price": "10", "price_silver": "9",
        "price_platinum": "50", "grant_type": "physical", "active": "y"})
    assert resp.status_code == 422
    page = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    box = page.select_one("input[name=price_platinum]")
    assert box["aria-invalid"] == "true"
    assert box.find_parent("label").select_one(".error").get_text() == "会员价不能高于原价。"
    assert page.select_one("input[name=price_gold]").get("aria-invalid") != "true"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Reward)).scalar() == 0


def test_mall_speaks_chinese(client, make_reward):
    make_reward("Mug", stock=0)
    html = client.get("/mall?lang=zh_Hans").get_data(as_text=True)
    assert "积分商城" in html and "已兑完" in html


def test_home_page_shows_newest_rewards(client, make_reward):
    assert 'data-testid="home-mall"' not in client.get("/").get_data(as_text=True)
    make_reward("Kite", price=7)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="home-mall"' in html and "Kite" in html


def test_a_refused_code_upload_says_why_on_the_file_field_in_chinese(client, admin, make_reward):
    """A file that is not UTF-8: the service's refusal sits on the file field, in the
    reader's language (it was flashed as "file: The file is not UTF-8 text.")."""
    from bs4 import BeautifulSoup

    _login(client, "admin")
    reward = make_reward("Cinema ticket", grant="voucher_codes", codes=[])
    resp = client.post(f"/admin/mall/rewards/{reward.id}/codes?lang=zh_Hans",
                       data={"file": (io.BytesIO("码,\n".encode("utf-16")), "codes.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    page = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    box = page.select_one("input[name=file]")
    assert box["aria-invalid"] == "true"
    assert box.find_parent("label").select_one(".error").get_text() == "文件不是 UTF-8 编码的文本。"
    assert "UTF-8 text" not in page.get_text()
