"""Every earning code a person can see has words, in English and in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD


def _chinese(app: Any, text: Any) -> str:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("zh_Hans"):
        return str(text)


def test_every_tier_the_settings_know_has_a_label(app: Any) -> None:
    from tokenmart.core.labels import kinds, label
    from tokenmart.earning.settings import TIERS, defaults

    known = set(TIERS) | set(defaults()["EARNING_TIER_THRESHOLDS"]) | set(
        app.config["EARNING_TIER_THRESHOLDS"])
    words = kinds()["tier"]
    for tier in known:
        assert tier in words, f"tier {tier!r} has no label"
        assert label(tier, "tier") != tier
        assert _chinese(app, words[tier]) != str(words[tier]), f"tier {tier!r} is not translated"


def test_every_badge_rule_has_a_label(app: Any) -> None:
    from tokenmart.core.labels import kinds, label
    from tokenmart.earning.badges import BADGE_RULES

    assert set(kinds()["badge"]) == set(BADGE_RULES)
    for code, rule in BADGE_RULES.items():
        assert label(code, "badge") == str(rule.label) != code
        assert _chinese(app, kinds()["badge"][code]) != str(rule.label)


def test_every_registered_share_target_kind_has_a_label(app: Any) -> None:
    from tokenmart.core.labels import kinds
    from tokenmart.earning.targets import share_target_kinds

    words = kinds()["share_target"]
    for kind in share_target_kinds():
        assert kind in words, f"share target {kind!r} has no label"
        assert _chinese(app, words[kind]) != str(words[kind])


@pytest.mark.parametrize(("lang", "word"), [("en", "Member"), ("zh_Hans", "普通会员")])
def test_profile_says_the_tier_in_words(app: Any, make_user: Any, lang: str, word: str) -> None:
    from tokenmart.extensions import db

    make_user("tina")
    browser = app.test_client()
    browser.post("/login", data={"username": "tina", "password": PASSWORD})
    db.session.rollback()
    with app.app_context():  # a fresh `g`: Flask-Babel caches the locale there
        html = browser.get(f"/me?lang={lang}").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    names = [el.get_text(strip=True) for el in soup.select("[data-testid=tier-name]")]
    assert names and all(name == word for name in names)
    assert "member" not in soup.get_text(" ")
