"""A failed save on the coupon catalog, in Chromium, as the admin sees it: at 390 and
1280 px, in English and Chinese, the wrong field of the row's editor is on the first
screen with its error, focused, clear of the top bar and the phone's tab bar; opening
the address that is then in the bar opens the same row's editor, in view. Before, the
error sat a screen and a half below a page that looked unchanged, and the reload was
"405 The method is not allowed"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, axe_violations, sign_in
from tokenmart.extensions import db

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
REQUIRED = {"en-US": "This field is required.", "zh-CN": "该字段是必填字段。"}
BANNER = {"en-US": "Please correct the marked fields.", "zh-CN": "请修改标出的字段。"}


def _make_template(**fields: Any) -> Any:
    from tokenmart.coupons.templates_service import create_template

    template = create_template(actor_id=None, **{"kind": "amount_off", "value": 500,
                                                 "claimable": True, **fields})
    db.session.commit()
    return template


def _clear_of_the_bars(page: Any, selector: str) -> bool:
    """The element is wholly on screen, below the sticky top bar and above the tab bar."""
    return page.evaluate("""selector => {
      const box = document.querySelector(selector).getBoundingClientRect();
      const header = document.querySelector('header, .topbar');
      const top = header ? header.getBoundingClientRect().bottom : 0;
      const tabs = document.querySelector('.tabbar, nav.tabs-bottom, [data-testid=tabbar]');
      const tabTop = tabs && getComputedStyle(tabs).display !== 'none'
        ? tabs.getBoundingClientRect().top : window.innerHeight;
      return box.height > 0 && box.top >= top && box.bottom <= Math.min(tabTop, window.innerHeight);
    }""", selector)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_failed_edit_is_on_the_first_screen_and_a_reload_reopens_it(
        browser: Any, live_server: str, admin: Any,
        axe_script: str, viewport: dict[str, int], locale: str) -> None:
    edited = _make_template(name="Far down", total_quantity=50).id  # the oldest: listed last
    for n in range(8):
        _make_template(name=f"Newer template {n}", min_spend_cents=1000 * n)
    db.session.remove()  # hold no transaction (SQLite's write lock) while the browser works
    context = browser.new_context(base_url=live_server, locale=locale, viewport=viewport,
                                  bypass_csp=True)  # lets Playwright inject axe-core
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "admin")

    page.goto("/admin/coupons/templates")
    form = f"[data-testid=edit-template-{edited}]"
    page.click(f"[data-testid=template-{edited}] .admin-edit summary")
    page.fill(f"{form} [name=name]", "  ")  # blank to the server; `required` lets it by
    with page.expect_navigation():
        page.click(f"[data-testid=save-template-{edited}]")
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/admin/coupons/templates/{edited}/edit")
    error = f"{form} label:has([name=name]) small.error"
    assert page.inner_text(error) == REQUIRED[locale]
    assert _clear_of_the_bars(page, f"{form} [name=name]"), page.evaluate("scrollY")
    assert _clear_of_the_bars(page, error)
    assert page.evaluate("document.activeElement.name") == "name"
    assert page.evaluate(f"document.activeElement.closest('form') === "
                         f"document.querySelector('{form}')")
    assert page.inner_text("main > .flash-error") == BANNER[locale]
    assert axe_violations(page, axe_script) == []

    response = page.goto(page.url)  # Enter in the address bar: a GET of the edit address
    assert response is not None and response.status == 200
    assert page.url.endswith(f"/admin/coupons/templates?edit={edited}#template-{edited}")
    assert page.evaluate(f"document.querySelector('{form}').closest('details').open")
    assert page.input_value(f"{form} [name=name]") == "Far down"
    assert _clear_of_the_bars(page, f"#template-{edited} strong")
    context.close()
