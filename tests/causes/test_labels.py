"""Every causes code a person can see has one label, in English and in Chinese."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import force_locale

from tests.causes.helpers import make_cause
from tokenmart.causes import causes_service
from tokenmart.causes.models import DONATION_CURRENCIES
from tokenmart.core.clock import utcnow
from tokenmart.core.labels import label
from tokenmart.earning.badges import BADGE_RULES
from tokenmart.extensions import db
from tokenmart.ledger.kinds import label as kind_label


def _states() -> set[str]:
    now = utcnow()
    causes = [make_cause("a"), make_cause("b", starts_at=now + timedelta(days=1)),
              make_cause("c", ends_at=now - timedelta(seconds=1)), make_cause("d")]
    causes_service.close_cause(None, causes[3].id)
    db.session.commit()
    return {causes_service.cause_status(c) for c in causes}


def test_every_cause_state_currency_kind_and_badge_has_words(app: Any) -> None:
    states = _states()
    assert states == {"active", "upcoming", "ended", "closed"}
    for locale in ("en", "zh_Hans"):
        with force_locale(locale):
            for state in states:
                assert label(state, "cause_status") != state
            for currency in DONATION_CURRENCIES:
                assert label(currency, "donation_currency") != currency
            for kind in ("donation", "pledge", "cause_payout"):
                assert kind_label(kind) != kind
            for action in ("cause.create", "cause.update", "cause.close", "cause.image",
                           "cause.payout"):
                assert label(action, "audit_action") != action
            assert str(BADGE_RULES["donor"].label)
    with force_locale("zh_Hans"):
        assert label("active", "cause_status") == "接受捐赠中"
        assert str(BADGE_RULES["donor"].label) == "爱心捐赠者"
