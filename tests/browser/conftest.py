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


class _SharedChromium:
    """One Playwright driver and Chromium for a run of consecutive browser tests.

    Starting both took 2-4 s, more than many a journey; each test still gets browser
    contexts of its own (cookies, storage and cache are per context), and any context a
    test leaves open is closed after it. The browser is shut down as soon as the next test
    of this process is not a browser test, so Playwright's event loop never runs under
    other tests.
    """

    def __init__(self) -> None:
        self._playwright: Any = None
        self.instance: Any = None

    def get(self, executable_path: str) -> Any:
        if self.instance is not None and not self.instance.is_connected():
            self.close()  # a crashed Chromium: start a new one
        if self.instance is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright()
            pw = self._playwright.__enter__()
            self.instance = pw.chromium.launch(executable_path=executable_path,
                                               args=CHROMIUM_ARGS)
        return self.instance

    def close_contexts(self) -> None:
        if self.instance is not None and self.instance.is_connected():
            for context in list(self.instance.contexts):
                context.close()

    def close(self) -> None:
        if self._playwright is None:
            return
        try:
            if self.instance is not None and self.instance.is_connected():
                self.instance.close()
        finally:
            self._playwright.__exit__(None, None, None)
            self._playwright = self.instance = None


_CHROMIUM = _SharedChromium()


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Any]:
    yield _CHROMIUM.get(chromium_path)
    _CHROMIUM.close_contexts()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a browser test's fixtures are gone: keep Chromium for the next test only if
    that one is a browser test too."""
    try:
        return (yield)
    finally:
        if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
            _CHROMIUM.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _CHROMIUM.close()


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


@pytest.fixture
def phone(browser: Any, live_server: str) -> Iterator[Any]:
    """A phone; bypass_csp: axe-core is injected inline, which the app's CSP rightly refuses."""
    contexts: list[Any] = []

    def factory(locale: str) -> Any:
        context = browser.new_context(base_url=live_server, locale=locale, viewport=PHONE,
                                      is_mobile=True, has_touch=True, bypass_csp=True)
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
