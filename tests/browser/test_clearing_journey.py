"""Clearing in the browser: an admin closes and clears a period; on a phone a user follows
the period page (countdown, estimate), cashes out to an account after a confirm, and the
admin sees who and where to pay."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import (
    PHONE,
    axe_violations,
    follow,
    scroll_overflow,
    sign_in,
)
from tokenmart.clearing import periods
from tokenmart.extensions import db

pytestmark = pytest.mark.browser


def _answer_next_dialog(page: Any, seen: list[str], accept: bool = True) -> None:
    def answer(dialog: Any) -> None:
        seen.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)


def test_admin_clears_and_user_sees_rate_and_cashes_out(
        page: Any, new_page: Any, admin: Any, make_user: Any) -> None:
    make_user("ann", coin=2000)

    sign_in(page, "admin")
    page.goto("/admin/periods")
    dialogs: list[str] = []
    _answer_next_dialog(page, dialogs)
    follow(page, "[data-testid=close-now]")
    assert "closed; a new one is open" in page.content()
    assert re.fullmatch(r"Close period #\d+ now\? .*", dialogs[0])
    follow(page, "[data-testid=periods] li:nth-child(2) a")  # the period just closed
    assert page.inner_text("[data-testid=period-status]") == "Ended, clearing soon"
    page.select_option("[data-testid=margin-form] select[name=kind]", "revenue")
    page.fill("[data-testid=margin-form] input[name=amount]", "10.00")
    page.fill("[data-testid=margin-form] input[name=memo]", "ad revenue")
    follow(page, "[data-testid=margin-form] button[type=submit]")
    assert "Margin entry recorded" in page.content()
    _answer_next_dialog(page, dialogs)
    follow(page, "[data-testid=clear]")
    assert "this cannot be undone" in dialogs[1]
    assert page.inner_text("[data-testid=period-status]") == "Period cleared"
    assert page.inner_text("[data-testid=paid]") == "¥2.00"  # 30% of 10.00 capped at 1.00/1000
    assert page.inner_text("[data-testid=rate]") == "1,000 coins = ¥1.00"

    user = new_page()
    sign_in(user, "ann")
    user.goto("/wallet")
    assert "1,000 coins = ¥1.00" in user.inner_text("[data-testid=last-rate]")
    assert user.inner_text("[data-testid=balance-credit]").strip().endswith("¥2.00")
    assert user.locator("[data-testid=rate-chart] rect").count() == 1
    form = "[data-testid=cashout-form]"
    user.fill(f"{form} input[name=amount]", "1.50")
    user.select_option(f"{form} select[name=payout_method]", "wechat")
    user.fill(f"{form} input[name=payout_account_name]", "Ann Lee")
    user.fill(f"{form} input[name=payout_account]", "ann_lee-88")
    _answer_next_dialog(user, dialogs)
    follow(user, f"{form} button[type=submit]")
    assert dialogs[2] == "Withdraw ¥1.50 to WeChat Pay ann_lee-88 (Ann Lee)?"
    assert "requested" in user.content()
    assert "Awaiting payout" in user.inner_text("[data-testid=cashouts]")
    assert user.inner_text("[data-testid=balance-credit]").strip().endswith("¥0.50")

    page.goto("/admin/cashouts")
    page.fill("input[name=external_ref]", "WX-42")
    _answer_next_dialog(page, dialogs)
    follow(page, "form:has(input[name=external_ref]) button[type=submit]")
    assert dialogs[3].startswith("Have you paid ¥1.50 to WeChat Pay ann_lee-88 for ann?")
    assert "approved" in page.content()
    user.goto("/wallet")
    assert "Paid out" in user.inner_text("[data-testid=cashouts]")


def test_phone_period_page_cash_out_to_alipay_and_admin_pays(
        page: Any, new_page: Any, admin: Any, make_user: Any) -> None:
    ann_id = make_user("ann", coin=3000, credit=2000).id
    make_user("bob", coin=1000)
    periods.add_margin_entry(periods.current_period().id, kind="revenue", amount_cents=1000,
                             memo="ads")
    db.session.commit()
    db.session.close()  # hold no SQLite transaction while the live server writes

    user = new_page()
    user.set_viewport_size(PHONE)
    sign_in(user, "ann")
    user.goto("/wallet")
    follow(user, "[data-testid=periods-link]")
    assert user.url.endswith("/periods")
    assert "This period and my share" in user.title()
    assert user.inner_text("[data-testid=period-status]") == "Running now"
    assert user.inner_text("[data-testid=pool]") == "¥3.00"
    assert user.inner_text("[data-testid=my-coins]") == "3,000 coins"
    assert user.inner_text("[data-testid=estimate]") == "¥2.25"  # 3000 / 4000 x 3.00
    assert "estimate" in user.inner_text("[data-testid=estimate-note]").lower()
    first = user.inner_text("[data-testid=countdown]")
    assert re.fullmatch(r"(\d+ d )?\d\d:\d\d:\d\d", first)
    user.wait_for_function(
        "t => document.querySelector('[data-testid=countdown]').textContent !== t", arg=first)
    assert scroll_overflow(user) == 0

    follow(user, "text=Cash out credits")
    form = "[data-testid=cashout-form]"
    # An amount no request can have is stopped by the browser, before any confirm asks
    # "Withdraw ¥100,000,000,000,000,000,000.00 …?"
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    user.on("dialog", dismiss)
    user.fill(f"{form} input[name=amount]", "99999999999999999999")
    user.click(f"{form} button[type=submit]")
    assert user.eval_on_selector(f"{form} input[name=amount]", "e => e.validity.rangeOverflow")
    user.wait_for_timeout(300)
    assert asked == []
    user.remove_listener("dialog", dismiss)
    user.fill(f"{form} input[name=amount]", "12")
    user.select_option(f"{form} select[name=payout_method]", "alipay")
    user.fill(f"{form} input[name=payout_account_name]", "Ann Lee")
    user.fill(f"{form} input[name=payout_account]", "13800138000")
    assert scroll_overflow(user) == 0
    dialogs: list[str] = []
    _answer_next_dialog(user, dialogs, accept=False)  # changed her mind: nothing is sent
    user.click(f"{form} button[type=submit]")
    assert dialogs == ["Withdraw ¥12.00 to Alipay 13800138000 (Ann Lee)?"]
    assert user.url.endswith("/wallet/cashouts")
    assert user.input_value(f"{form} input[name=amount]") == "12"
    _answer_next_dialog(user, dialogs)
    user.click(f"{form} button[type=submit]")
    user.wait_for_url(re.compile(r"/wallet$"))
    assert "Cash-out of ¥12.00 requested" in user.content()
    history = user.inner_text("[data-testid=cashouts]")
    assert "Awaiting payout" in history and "•••• 8000" in history
    assert user.inner_text("[data-testid=balance-credit]").strip().endswith("¥8.00")
    assert scroll_overflow(user) == 0

    page.set_viewport_size(PHONE)
    sign_in(page, "admin")
    page.goto("/admin/cashouts")
    who = page.locator("[data-testid=cashout-user]")
    assert who.inner_text() == "ann"
    assert who.get_attribute("href") == f"/admin/users/{ann_id}"
    assert page.inner_text("[data-testid=destination]") == "Alipay: Ann Lee · 13800138000"
    assert scroll_overflow(page) == 0
    page.fill("input[name=external_ref]", "ALIPAY-77")
    admin_dialogs: list[str] = []
    _answer_next_dialog(page, admin_dialogs)
    follow(page, "form:has(input[name=external_ref]) button[type=submit]")
    assert admin_dialogs[0].startswith("Have you paid ¥12.00 to Alipay 13800138000 for ann?")
    assert "approved" in page.content()

    # The same pages in Chinese, still fitting the phone
    user.goto("/periods?lang=zh_Hans")
    assert "本期与我的收益" in user.title()
    assert user.inner_text("[data-testid=period-status]") == "进行中"
    assert user.inner_text("[data-testid=my-coins]") == "3,000 金币"
    assert "预估" in user.inner_text("[data-testid=estimate-note]")
    assert scroll_overflow(user) == 0
    user.goto("/wallet")
    assert "已打款" in user.inner_text("[data-testid=cashouts]")
    assert user.locator("select[name=payout_method] option[value=alipay]").inner_text() == "支付宝"
    user.fill(f"{form} input[name=amount]", "1")
    _answer_next_dialog(user, dialogs, accept=False)
    user.click(f"{form} button[type=submit]")
    assert dialogs[-1] == "确定提现 ¥1.00 到支付宝 13800138000（Ann Lee）吗？"


def test_period_and_cashout_pages_pass_axe_on_a_phone(
        browser: Any, live_server: str, make_user: Any, axe_script: str) -> None:
    make_user("ann", coin=3000, credit=2000)
    # bypass_csp: axe-core is injected inline; the app's CSP rightly refuses inline script.
    context = browser.new_context(base_url=live_server, locale="en-US", viewport=PHONE,
                                  is_mobile=True, has_touch=True, bypass_csp=True)
    try:
        user = context.new_page()
        sign_in(user, "ann")
        for path in ("/periods", "/wallet/cashouts", "/periods?lang=zh_Hans"):
            user.goto(path)
            assert axe_violations(user, axe_script) == [], path
            assert scroll_overflow(user) == 0, path
    finally:
        context.close()
