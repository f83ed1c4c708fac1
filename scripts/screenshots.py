"""`make screenshots`: every main page at 390 and 1280 px, in English and Chinese.

Starts the app on a throw-away SQLite database filled with the living demo, drives Debian's
Chromium through Playwright, and saves full-page PNGs under artifacts/screenshots/
(<language>/<width>/<page>.png; not committed) so a reviewer can look at every page in a
minute. Progress is printed per page; nothing outside the project folder is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER_PAGES = [
    ("home", "/"), ("market", "/market"), ("mall", "/mall"), ("tasks", "/tasks"),
    ("campaigns", "/campaigns"), ("wallet", "/wallet"), ("periods", "/periods"),
    ("orders", "/orders"), ("coupons", "/coupons"), ("me", "/me"),
    ("notifications", "/notifications"), ("leaderboard", "/leaderboard"), ("sell", "/sell"),
    ("my-listings", "/my/listings"), ("redemptions", "/mall/redemptions"),
    ("cashout", "/wallet/cashouts"), ("password", "/me/password"), ("tokens", "/me/tokens"),
    ("two-factor", "/me/two-factor"), ("cards", "/cards"), ("causes", "/causes"),
]
FOLLOW = [("listing", "/market", "/listings/"), ("reward", "/mall", "/mall/rewards/"),
          ("drive", "/campaigns", "/d/"), ("order", "/orders", "/orders/"),
          ("card", "/cards", "/cards/"), ("cause", "/causes", "/causes/")]
ADMIN_PAGES = [
    ("admin", "/admin/"), ("admin-users", "/admin/users"), ("admin-economy", "/admin/economy"),
    ("admin-fraud", "/admin/fraud"), ("admin-segments", "/admin/segments"),
    ("admin-moderation", "/admin/barter/"), ("admin-rewards", "/admin/mall/rewards"),
    ("admin-templates", "/admin/coupons/templates"), ("admin-periods", "/admin/periods"),
    ("admin-cashouts", "/admin/cashouts"), ("admin-audit", "/admin/audit"),
    ("admin-cards", "/admin/cards"), ("admin-causes", "/admin/causes"),
    ("admin-analytics", "/admin/analytics"),
]
SIGNED_OUT = [("login", "/login"), ("register", "/register")]
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "screenshots"))
    parser.add_argument("--chromium", default=os.environ.get("TOKENMART_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not Path(args.chromium).exists():
        print(f"Chromium not found at {args.chromium}: apt-get install chromium", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="tokenmart-shots-"))
    try:
        base = _serve_demo(workdir)
        total = _shoot(base, Path(args.out), args.chromium)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"Saved {total} screenshots under {args.out}")
    return 0


def _serve_demo(workdir: Path) -> str:
    import logging

    from werkzeug.serving import make_server

    from tokenmart import create_app
    from tokenmart.demo import run_demo
    from tokenmart.extensions import db

    print("Seeding the demo on a temporary SQLite database ...")
    app = create_app({
        "TOKENMART_ENV": "testing", "DATABASE_URL": f"sqlite:///{workdir / 'shots.db'}",
        "SECRET_KEY": "screenshots-only-secret-key-0123456789abcdef",
        "AUTO_UPGRADE_DB": True, "SCHEDULER_IN_PROCESS": False, "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "fast", "BARTER_UPLOAD_DIR": str(workdir / "uploads"),
    })
    with app.app_context():
        run_demo()
        db.session.commit()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our progress lines, not its log
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def _shoot(base: str, out: Path, chromium: str) -> int:
    from playwright.sync_api import sync_playwright

    from tokenmart.demo import ADMIN_PASSWORD, DEMO_PASSWORD

    count = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for lang in ("en", "zh_Hans"):
            for width in (390, 1280):
                folder = out / lang / str(width)
                folder.mkdir(parents=True, exist_ok=True)
                for who, password, pages in (
                    (None, None, SIGNED_OUT), ("alice", DEMO_PASSWORD, USER_PAGES),
                    ("admin", ADMIN_PASSWORD, ADMIN_PAGES),
                ):
                    context = browser.new_context(base_url=base, viewport={"width": width, "height": 844})
                    page = context.new_page()
                    page.goto(f"/?lang={lang}")
                    if who:
                        page.goto("/login")
                        page.fill("input[name=username]", who)
                        page.fill("input[name=password]", password)
                        page.click("form button[type=submit]")
                        page.wait_for_url(lambda url: "/login" not in url)
                    targets = list(pages)
                    if who == "alice":
                        targets += _followed(page)
                    for name, path in targets:
                        started = time.perf_counter()
                        response = page.goto(path)
                        status = response.status if response else 0
                        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                        count += 1
                        print(f"  [{count:3}] {lang:7} {width:4}px {path:28} HTTP {status} "
                              f"({time.perf_counter() - started:.1f} s)")
                    context.close()
        browser.close()
    return count


def _followed(page: object) -> list[tuple[str, str]]:
    found = []
    for name, index, prefix in FOLLOW:
        page.goto(index)  # type: ignore[attr-defined]
        link = page.locator(f"a[href^='{prefix}']").first  # type: ignore[attr-defined]
        if link.count():
            found.append((name, link.get_attribute("href")))
    return found


if __name__ == "__main__":
    raise SystemExit(main())
