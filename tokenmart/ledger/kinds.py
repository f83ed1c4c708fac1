"""Transaction kinds and how each is described to a reader, in the reader's language.

Domains register a describer for their kinds (`register_kind`); notifications and the
wallet history use `describe()` so the same words appear everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

Describer = Callable[[dict[str, Any]], str]

_LABELS: dict[str, Any] = {
    "adjustment": _l("Adjustment by an admin"),
    "checkin": _l("Daily check-in"),
    "share": _l("Share reward"),
    "referral": _l("Referral reward"),
    "assist": _l("Helped a friend"),
    "redemption": _l("Points mall redemption"),
    "escrow": _l("Swap: flowers held"),
    "release": _l("Swap completed"),
    "refund": _l("Swap refunded"),
    "clearing": _l("Period clearing"),
    "cashout": _l("Cash-out"),
    "cashout_return": _l("Cash-out returned"),
    "cashout_paid": _l("Cash-out paid"),
}
_DESCRIBERS: dict[str, Describer] = {}


def register_kind(kind: str, label: Any, describer: Describer | None = None) -> None:
    """Give a kind its label and, optionally, a function adding detail from `details`."""
    _LABELS[kind] = label
    if describer is not None:
        _DESCRIBERS[kind] = describer


def label(kind: str) -> str:
    return str(_LABELS.get(kind, kind))


def describe(kind: str, details: dict[str, Any] | None, memo: str = "") -> str:
    details = details or {}
    if kind in _DESCRIBERS:
        return _DESCRIBERS[kind](details)
    if kind == "checkin" and "day" in details:
        return _("day-%(day)s check-in", day=details["day"])
    text = label(kind)
    return f"{text}: {memo}" if memo else text
