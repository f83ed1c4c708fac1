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
