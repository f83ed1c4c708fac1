"""Languages: locale choice, amount formatting, and compiling translations on start.

Each domain keeps its own catalog in `tokenmart/<domain>/translations` (plus the
shared one in `translations/`), so features can be translated independently;
Flask-Babel merges all directories. `.po` files are compiled to `.mo` when the app
starts if they are newer, so nobody has to remember `pybabel compile`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

PACKAGE_DIR = Path(__file__).resolve().parent.parent
ROOT_DIR = PACKAGE_DIR.parent


def translation_directories() -> list[str]:
    dirs = [ROOT_DIR / "translations"]
    dirs += sorted(p for p in PACKAGE_DIR.glob("*/translations") if p.is_dir())
    return [str(d) for d in dirs if d.is_dir()]


def compile_catalogs(directories: list[str] | None = None) -> None:
    """Write .mo next to every .po that is newer than it (or has none)."""
    for directory in directories if directories is not None else translation_directories():
        for po_path in Path(directory).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            # Nanoseconds and strictly newer: a .po saved in the same second as its .mo
            # was compiled must not keep the stale .mo.
            if mo_path.exists() and mo_path.stat().st_mtime_ns > po_path.stat().st_mtime_ns:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            # A name of our own: several processes (gunicorn workers, test workers) may
            # compile at once; each renames its complete file into place atomically.
            tmp = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
            with tmp.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            tmp.replace(mo_path)


def remember_language_choice() -> None:
    """The footer's language links (`?lang=`) stick: the choice is kept in the session
    (pages only; the API has no session and follows the user's setting)."""
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"] and not request.path.startswith("/api/"):
        session["lang"] = chosen


def select_locale() -> str:
    """?lang=, else the language last chosen on a page, else the user's setting, else the
    browser's Accept-Language."""
    supported = current_app.config["LANGUAGES"]
    if has_request_context():
        forced = request.args.get("lang")
        if forced in supported:
            return forced
        if not request.path.startswith("/api/"):
            chosen = session.get("lang")
            if chosen in supported:
                return str(chosen)
        user = getattr(g, "api_caller", None) or (
            current_user if current_user and current_user.is_authenticated else None
        )
        if user is not None and getattr(user, "locale", None) in supported:
            return user.locale
        # Accept-Language says zh-CN / zh-Hans / zh; all map to Simplified Chinese.
        best = request.accept_languages.best_match(
            ["en", "zh", "zh-CN", "zh-Hans", "zh-SG"], default="en"
        )
        return "zh_Hans" if best and best.lower().startswith("zh") else "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_chinese() -> bool:
    return str(get_locale() or "en").startswith("zh")


def cny(cents: int) -> str:
    """CNY with two decimals in the reader's locale, e.g. ¥1,234.50."""
    return "¥" + format_decimal(cents / 100, format="#,##0.00")


def local_time_name() -> str:
    """The app's timezone as people say it, in the reader's language: "China Time",
    "中国时间" (not the tz database's "Asia/Shanghai", a raw code on a Chinese page)."""
    from babel.dates import get_timezone, get_timezone_name

    return get_timezone_name(get_timezone(current_app.config["TIMEZONE"]),
                             locale=str(get_locale() or "en"))


def currency_amount(amount: int, currency: str) -> str:
    """'15 coins', '1 flower', '¥0.53' — words and plurals in the reader's language."""
    if currency == "credit":
        return cny(amount)
    n = format_decimal(amount)
    if currency == "flower":
        return _("%(n)s little red flowers", n=n) if amount != 1 else _("1 little red flower")
    if currency == "coin":
        return _("%(n)s coins", n=n) if amount != 1 else _("1 coin")
    return f"{n} {currency}"


def currency_name(currency: str) -> str:
    """The currency's name in the reader's language (labels kind "currency", kept by ledger)."""
    from tokenmart.core.labels import label

    return label(currency, "currency")
