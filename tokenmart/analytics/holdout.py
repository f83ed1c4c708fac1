"""Drawing a segment grant's control group: once, stored, reproducible from a seed.

Each member is ranked by SHA-256 of "<seed>:<user id>"; the first round(n x percent / 100)
are held out. The same seed and the same members always give the same split, whatever
order the database returns them in, and the split is stored (segment_grant_cohorts), so
the report never re-draws it.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlalchemy as sa

from tokenmart.analytics.models import GrantCohort
from tokenmart.extensions import db

#: more than half held out would make the grant mostly an experiment
MAX_HOLDOUT_PERCENT = 50


def new_seed() -> int:
    """A fresh seed (63 bits, fits a BIGINT)."""
    return secrets.randbits(63)


def held_out_count(members: int, percent: int) -> int:
    """How many of `members` a `percent` holdout keeps back: the draw's one rounding rule,
    so the grant's confirm can say before the draw how many will get nothing."""
    return round(members * percent / 100) if percent > 0 else 0


def split(user_ids: list[int], percent: int, seed: int) -> tuple[list[int], list[int]]:
    """(treated, control): a pure function of the ids, the percent and the seed."""
    ranked = sorted(set(user_ids),
                    key=lambda uid: hashlib.sha256(f"{seed}:{uid}".encode()).digest())
    held = held_out_count(len(ranked), percent)
    return sorted(ranked[held:]), sorted(ranked[:held])


def draw_holdout(grant_id: int, members: sa.Select[Any], percent: int,
                 seed: int | None) -> tuple[sa.Select[Any], int]:
    """Store the grant's split and return (SELECT of the treated user ids, held-out count).

    Without a holdout every member is stored as treated, so reports know who was reached.
    Only flushes.
    """
    ids = [int(uid) for uid in db.session.execute(members).scalars()]
    treated, control = split(ids, percent, seed or 0)
    rows = [{"grant_id": grant_id, "user_id": uid, "treated": True} for uid in treated]
    rows += [{"grant_id": grant_id, "user_id": uid, "treated": False} for uid in control]
    if rows:
        db.session.execute(sa.insert(GrantCohort), rows)
    treated_ids = sa.select(GrantCohort.user_id).where(
        GrantCohort.grant_id == grant_id, GrantCohort.treated.is_(True)
    ).order_by(GrantCohort.user_id)
    return treated_ids, len(control)
