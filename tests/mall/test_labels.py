"""Every mall code a person can see has one label, in English and in Chinese.

The value sets come from the models (their constants and CHECK constraints), never from
a list copied here, so a new grant type or state without words fails this test.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask_babel import force_locale

from tokenmart.core.clock import utcnow
from tokenmart.core.labels import kinds, label
from tokenmart.mall.catalog_service import reward_state
from tokenmart.mall.labels import GRANT_TYPE_HELP
from tokenmart.mall.models import (
    GRANT_TYPES,
    REWARD_STATES,
    SHIPPING_STATES,
    Redemption,
    Reward,
)


def _checked_values(model: Any, column: str) -> set[str]:
    """The values a CHECK constraint `<column> IN (...)` allows."""
    for constraint in model.__table__.constraints:
        text = str(getattr(constraint, "sqltext", ""))
        if text.lstrip().startswith(column):
            return set(re.findall(r"'([^']+)'", text))
    raise AssertionError(f"no CHECK constraint on {model.__tablename__}.{column}")


CODES = [
    ("grant_type", _checked_values(Reward, "grant_type") | set(GRANT_TYPES)),
    ("shipping_status", _checked_values(Redemption, "shipping_status") | set(SHIPPING_STATES)),
    ("reward_state", set(REWARD_STATES)),
]


@pytest.mark.parametrize(("kind", "values"), CODES, ids=[k for k, _ in CODES])
def test_labels_every_stored_value_in_both_languages(app, kind: str, values: set[str]) -> None:
    assert values, kind
    defined = kinds()[kind]
    assert set(defined) == values, f"{kind}: labels and model disagree"
    for value in values:
        with app.test_request_context(), force_locale("en"):
            english = label(value, kind)
        with app.test_request_context(), force_locale("zh_Hans"):
            chinese = label(value, kind)
        assert english and english != value, (kind, value)
        assert re.search(r"[\u4e00-\u9fff]", chinese), (kind, value, chinese)


def test_labels_grant_select_offers_every_grant_type() -> None:
    assert set(GRANT_TYPE_HELP) == set(GRANT_TYPES)


def test_labels_reward_state_covers_every_case(app, make_reward) -> None:
    now = utcnow()
    cases = {
        "active": make_reward("On", stock=3),
        "sold_out": make_reward("Gone", stock=0),
        "inactive": make_reward("Off", stock=0, active=False),
        "scheduled": make_reward("Soon", starts_at=now + timedelta(days=1)),
        "ended": make_reward("Past", starts_at=now - timedelta(days=2),
                             ends_at=now - timedelta(days=1)),
    }
    assert {state: reward_state(r, now) for state, r in cases.items()} == {
        state: state for state in cases}
    assert set(cases) == set(REWARD_STATES)
