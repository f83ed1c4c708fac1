"""Every coupons code a person can see has one label, in English and in Chinese.

The value sets come from the models (their CHECK constraints and constants) and from the
code that issues coupons, not from a copied list, so a new status, kind or source
without words fails here before it reaches a page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from tokenmart.core.labels import label
from tokenmart.coupons import labels, offers
from tokenmart.coupons.models import (
    COUPON_SOURCES,
    COUPON_STATUSES,
    DRIVE_STATUSES,
    KINDS,
    TIERS,
    Coupon,
    CouponTemplate,
    Drive,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]


def _check_values(model: Any, column: str) -> set[str]:
    """The values a CHECK constraint allows for `column` ("status IN ('a', 'b')")."""
    for constraint in model.__table__.constraints:
        text = str(getattr(constraint, "sqltext", ""))
        if text.startswith(f"{column} IN"):
            return set(re.findall(r"'([a-z_]+)'", text))
    raise AssertionError(f"no CHECK on {model.__tablename__}.{column}")


def _issued_sources() -> set[str]:
    """Every `source="..."` passed to the coupon issuers anywhere in the app."""
    found: set[str] = set()
    for path in (ROOT / "tokenmart").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"issue_(?:coupon|pack|coupons_bulk)\((.{0,200}?)\)", text, re.S):
            found |= set(re.findall(r'source="([a-z_]+)"', call.group(1)))
    return found


def _both_languages(app: Flask, value: str, kind: str) -> None:
    with app.test_request_context():
        with force_locale("en"):
            english = label(value, kind)
        with force_locale("zh_Hans"):
            chinese = label(value, kind)
    assert english != value, f"{kind} {value!r} has no label"
    assert CJK.search(chinese), f"{kind} {value!r} has no Chinese label: {chinese!r}"


@pytest.mark.parametrize(("kind", "values"), [
    ("coupon_status", _check_values(Coupon, "status") | set(COUPON_STATUSES)),
    ("coupon_kind", _check_values(CouponTemplate, "kind") | set(KINDS)),
    ("drive_status", _check_values(Drive, "status") | set(DRIVE_STATUSES)),
    ("coupon_source", set(COUPON_SOURCES)),
    ("tier", set(TIERS)),  # earning's words, used by min_tier on coupon pages
])
def test_every_value_has_a_label_in_both_languages(app: Flask, kind: str,
                                                   values: set[str]) -> None:
    for value in sorted(values):
        _both_languages(app, value, kind)


def test_every_source_the_code_issues_with_is_known() -> None:
    sources = _issued_sources()
    assert {"claim", "grant", "drive", "assist", "redemption", "segment"} <= sources
    assert sources <= set(COUPON_SOURCES), sources - set(COUPON_SOURCES)
    assert set(labels.COUPON_SOURCE) == set(COUPON_SOURCES)


def test_every_place_a_coupon_works_has_a_label(app: Flask) -> None:
    with app.test_request_context():
        places = {place for kind in KINDS for spend in (0, 10**6)
                  for place in offers.where_usable(
                      CouponTemplate(kind=kind, value=10, min_spend_cents=spend))}
    assert places == set(labels.COUPON_USE)
    for place in places:
        _both_languages(app, place, "coupon_use")
