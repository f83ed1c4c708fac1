"""The living demo gives causes gifts from several users (some named) and one pledge,
which the clearing demo applies to the past periods."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.causes import causes_service
from tokenmart.causes.models import Cause, Pledge
from tokenmart.extensions import db


def test_demo_seeds_causes_gifts_and_a_pledge(app: Any) -> None:
    from tokenmart.demo import run_demo

    run_demo()
    causes = list(db.session.execute(sa.select(Cause).order_by(Cause.id)).scalars())
    assert len(causes) == 2 and all(c.image_key for c in causes)
    totals = causes_service.totals_for(causes)
    assert all(totals[c.id].donors >= 3 for c in causes)
    assert all(causes_service.donor_names(c.id) for c in causes)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Pledge)).scalar() == 1
    assert totals[causes[0].id].credits_in > 0  # the pledge was applied in past clearings


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_demo_causes_read_in_either_language(app: Any, client: Any) -> None:
    """Each demo cause is translated into the language it was not entered in (name and
    description), so neither language's pages show the other's text."""
    from tokenmart.demo import run_demo

    run_demo()
    causes = list(db.session.execute(sa.select(Cause).order_by(Cause.id)).scalars())
    assert {_chinese(c.name) for c in causes} == {True, False}  # one entered in each
    for cause in causes:
        other = "en" if _chinese(cause.name) else "zh_Hans"
        texts = cause.translations[other]
        assert set(texts) == {"name", "description"}
        assert all(_chinese(t) == (other == "zh_Hans") for t in texts.values())
    zh = client.get("/causes?lang=zh_Hans").get_data(as_text=True)
    en = client.get("/causes?lang=en").get_data(as_text=True)
    for cause in causes:
        for language, page in (("zh_Hans", zh), ("en", en)):
            name = cause.translations.get(language, {}).get("name", cause.name)
            assert name in page
            assert _chinese(name) == (language == "zh_Hans")
