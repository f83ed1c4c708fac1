"""A user opens the mall, redeems a voucher reward, and sees the code and the new balance;
on a phone, a double click on the confirm-protected button redeems once; in Chinese."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import sign_in
from tests.mall.conftest import image_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """Reward images go to the test's own folder."""
    return {"BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}


def _voucher_reward(name: str = "Bubble tea voucher", price: int = 20,
                    codes: tuple[str, ...] = ("TEA-0001", "TEA-0002"),
                    picture: bool = False) -> int:
    from tokenmart.extensions import db
    from tokenmart.mall import admin_service

    reward = admin_service.create_reward(None, {
        "name": name, "currency": "flower", "price": price,
        "grant": {"type": "voucher_codes", "codes": list(codes)}})
    if picture:
        admin_service.set_reward_image(None, reward, io.BytesIO(image_bytes("PNG")))
    db.session.commit()
    reward_id = reward.id
    db.session.remove()  # the live server threads need the write lock (SQLite)
    return reward_id


def _redemptions() -> int:
    import sqlalchemy as sa

    from tokenmart.extensions import db
    from tokenmart.mall.models import Redemption

    count = db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar()
    db.session.remove()
    return int(count)


def test_open_mall_redeem_see_code_and_balance(page: Any, make_user: Any, app: Any) -> None:
    make_user("shopper", flower=50)
    _voucher_reward()

    sign_in(page, "shopper")
    page.goto("/mall")
    card = page.locator("[data-testid=reward-card]", has_text="Bubble tea voucher")
    assert "2 left" in card.inner_text()
    assert card.locator("[data-testid=affordable]").count() == 1
    card.click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=redeem]")
    page.wait_for_url("**/mall/redemptions/*")

    assert "30 little red flowers left" in page.inner_text(".flash")
    assert page.inner_text("[data-testid=voucher-code]") == "TEA-0001"
    page.goto("/mall/redemptions")
    assert page.inner_text("[data-testid=voucher-code]") == "TEA-0001"
    assert "30 little red flowers" in page.inner_text("[data-testid=balance-flower]")
    page.goto("/mall")
    assert "1 left" in page.locator("[data-testid=reward-card]").inner_text()


def test_phone_double_click_redeems_once_after_confirming(page: Any, make_user: Any,
                                                          app: Any) -> None:
    make_user("phoebe", flower=50)
    _voucher_reward(price=20, picture=True)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "phoebe")

    page.goto("/mall")
    card = page.locator("[data-testid=reward-card]", has_text="Bubble tea voucher")
    thumb = card.locator("img[data-testid=reward-thumb]")
    # a real image: decode() waits for it (the thumbnail loads lazily, so the page's load
    # event does not wait for it) and fails on a broken one
    assert thumb.evaluate("async img => { await img.decode(); return img.naturalWidth; }") == 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_navigation():  # the reward page, loaded (its images too)
        card.click()
    hero = page.locator("img[data-testid=reward-image]")
    assert hero.evaluate("async img => { await img.decode(); return img.naturalWidth; }") > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.dblclick("[data-testid=redeem]")
    page.wait_for_url("**/mall/redemptions/*")
    page.wait_for_load_state("networkidle")
    assert dialogs[0] == "Spend 20 little red flowers on Bubble tea voucher?"
    assert _redemptions() == 1

    # the redemption's own page: the code with a copy button, what was paid, no sideways scroll
    assert page.inner_text("[data-testid=voucher-code]") == "TEA-0001"
    assert page.inner_text("[data-testid=paid]") == "20 little red flowers"
    assert page.locator("[data-testid=copy-code]").is_visible()
    assert "Redemption" in page.title()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto("/mall/redemptions")
    assert page.locator("[data-testid=redemption]").count() == 1
    assert "30 little red flowers" in page.inner_text("[data-testid=balance-flower]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("[data-testid=redemption] a")
    page.wait_for_url("**/mall/redemptions/*")
    assert page.inner_text("[data-testid=voucher-code]") == "TEA-0001"


def test_phone_mall_in_chinese(new_page: Any, make_user: Any, app: Any) -> None:
    make_user("mei", flower=15)
    _voucher_reward(name="珍珠奶茶券", price=20, codes=("ZH-1",))
    page = new_page(locale="zh-CN")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "mei")
    page.goto("/mall")
    assert "积分商城" in page.title()
    card = page.locator("[data-testid=reward-card]", has_text="珍珠奶茶券")
    assert "还差 5 朵小红花" in card.inner_text()
    card.click()
    assert page.locator("[data-testid=redeem]").is_disabled()
    text = page.inner_text("main")
    assert "兑换码" in text and "Redeem" not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
