"""Every code of the clearing that a page can show has a label, in both languages.

The value sets come from the models' CHECK constraints and constants and from the
other domains' real bookings, not from a copied list, so a new state without a label
fails here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask_babel import force_locale

from tokenmart.clearing import models
from tokenmart.core.labels import kinds, label


def _check_values(table: Any, column: str) -> set[str]:
    """The values a CHECK "<column> IN ('a', 'b')" allows."""
    for constraint in table.constraints:
        text = str(getattr(constraint, "sqltext", ""))
        match = re.search(rf"{column} IN \(([^)]*)\)", text)
        if match:
            return set(re.findall(r"'([^']*)'", match.group(1)))
    raise AssertionError(f"no CHECK on {table.name}.{column}")


CASES = [
    ("period_status", lambda: _check_values(models.Period.__table__, "status")),
    ("cashout_status", lambda: _check_values(models.Cashout.__table__, "status")),
    ("margin_kind", lambda: _check_values(models.MarginEntry.__table__, "kind")),
    ("payout_method", lambda: _check_values(models.Cashout.__table__, "payout_method")),
    ("margin_source", lambda: set(models.MARGIN_SOURCES)),
]


@pytest.mark.parametrize(("kind", "values"), CASES, ids=[c[0] for c in CASES])
def test_every_clearing_code_has_a_label_in_both_languages(app: Any, kind: str, values: Any) -> None:
    allowed = values()
    assert allowed, kind
    with app.test_request_context("/"):
        assert set(kinds()[kind]) == allowed, f"{kind}: labels and model disagree"
        for value in allowed:
            with force_locale("en"):
                english = label(value, kind)
            with force_locale("zh_Hans"):
                chinese = label(value, kind)
            assert english and english != value and "_" not in english, (kind, value)
            assert re.search(r"[\u4e00-\u9fff]", chinese), (kind, value, chinese)


def test_constants_agree_with_the_checks(app: Any) -> None:
    assert set(models.PERIOD_STATUSES) == _check_values(models.Period.__table__, "status")
    assert set(models.CASHOUT_STATUSES) == _check_values(models.Cashout.__table__, "status")
    assert set(models.MARGIN_KINDS) == _check_values(models.MarginEntry.__table__, "kind")
    assert set(models.PAYOUT_METHODS) == _check_values(models.Cashout.__table__, "payout_method")


def test_margin_sources_booked_by_other_domains_have_labels(app: Any) -> None:
    """The barter domain books shipping fees and refunds; their sources must be known codes."""
    from tokenmart.barter import integrations
    from tokenmart.clearing.periods import current_period, margin_entries
    from tokenmart.extensions import db

    with app.test_request_context("/"):
        integrations.record_revenue(800, "shipping fee: a lamp", 1)
        integrations.reverse_revenue(800, "refund: a lamp", 1)
        db.session.commit()
        sources = {e.source for e in margin_entries(current_period().id)}
        assert sources == {"shipping_fee", "shipping_refund"}
        assert sources <= set(models.MARGIN_SOURCES)
        assert all(label(s, "margin_source") != s for s in sources)
