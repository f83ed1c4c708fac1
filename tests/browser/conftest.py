"""Browser fixtures: the real app on a local port, driven by Playwright in Chromium.

Uses Debian's /usr/bin/chromium (never a Playwright browser download). Without it
the browser tests skip with a message locally; under CI=true they fail instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("TOKENMART_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM if os.path.exists(CHROMIUM) else str(shutil.which("chromium"))


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve `app` on 127.0.0.1:<free port> in a thread; yields the base URL."""
    app.config["WTF_CSRF_ENABLED"] = True  # the browser goes through real forms
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[Any]:
    """new_page() -> a page in a fresh browser context (another person)."""
    contexts: list[Any] = []

    def factory(locale: str = "en-US") -> Any:
        context = browser.new_context(base_url=live_server, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


def follow(page: Any, selector: str) -> None:
    """Click a link or submit button and wait for the page it leads to.

    A bare click returns as soon as the event is dispatched; reading the page right after it
    can see the old document, or an empty one mid-navigation (a flaky CI failure once)."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


AXE_JS = os.path.join(os.path.dirname(__file__), "axe", "node_modules", "axe-core", "axe.min.js")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core from the npm registry (tests/browser/axe, installed by `make test`), injected
    by Playwright into pages under test; the app itself never serves it."""
    if not os.path.exists(AXE_JS):
        message = "axe-core missing: run `npm install --prefix tests/browser/axe` (make test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS


def axe_violations(page: Any, axe_path: str, impacts: tuple[str, ...] = ("serious", "critical")
                   ) -> list[str]:
    """Run axe-core on the current page; the serious and critical violations, readable."""
    page.add_script_tag(path=axe_path)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in impacts:
            targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def scroll_overflow(page: Any) -> int:
    """How many pixels the page is wider than the screen (0 = no sideways scrolling)."""
    return int(page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"))
