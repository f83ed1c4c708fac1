"""RFM scores computed by hand on a small population, and "new" that means new.

Seven active users, so NTILE(5) makes buckets of 2, 2, 1, 1, 1 (positions 1-2 score 1,
3-4 score 2, 5 -> 3, 6 -> 4, 7 -> 5); users with the same value share the rounded mean
of their positions' scores (half rounds up).

user      joined   active days ago          amount  last  days  tokens
steady    20 d     0..11 (12 days)          10      0     12    120
fresh     3 d      0, 1                     5       0     2     10
regular   200 d    2, 4, 6                  100     2     3     300
fading    200 d    15, 45, 50               20      15    3     60
sleepy    200 d    80                       1       80    1     1
twin_a/b  200 d    20, 30                   15      20    2     30

R (by last local day, oldest first): sleepy p1 -> 1; twins p2,p3 -> (1+2)/2 = 1.5 -> 2;
  fading p4 -> 2; regular p5 -> 3; steady, fresh p6,p7 -> (4+5)/2 -> 5.
F (active days): sleepy p1 -> 1; fresh, twins p2-p4 -> (1+2+2)/3 -> 2;
  regular, fading p5,p6 -> (3+4)/2 -> 4; steady p7 -> 5.
M (tokens): sleepy p1 -> 1; fresh p2 -> 1; twins p3,p4 -> 2; fading p5 -> 3;
  steady p6 -> 4; regular p7 -> 5.
Segments: steady R5 F5 M4 champions (joined 20 days ago, but 12 active days: not new);
  fresh new; regular R3 F4 loyal; fading R2 F4 at_risk; twins R2 F2 and sleepy R1 F1
  hibernating. The old scoring put steady in "new" and split the twins by user id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from tokenmart.admin import rfm
from tokenmart.admin.models import SegmentMember
from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger


def _activity(user_id: int, days_ago: list[int], amount: int) -> None:
    for back in days_ago:
        ledger.transfer("adjustment", "coin", amount, ledger.MINT, ledger.user(user_id),
                        at=utcnow() - timedelta(days=back), notify=False)


def _age(user_id: int, days: int) -> None:
    from tokenmart.accounts.models import User

    db.session.execute(sa.update(User).where(User.id == user_id)
                       .values(created_at=utcnow() - timedelta(days=days)))


POPULATION: dict[str, tuple[int, list[int], int]] = {
    "steady": (20, list(range(12)), 10),
    "fresh": (3, [0, 1], 5),
    "regular": (200, [2, 4, 6], 100),
    "fading": (200, [15, 45, 50], 20),
    "sleepy": (200, [80], 1),
    "twin_a": (200, [20, 30], 15),
    "twin_b": (200, [20, 30], 15),
}
EXPECTED: dict[str, tuple[int, int, int, int, str]] = {  # r, f, m, active days, segment
    "steady": (5, 5, 4, 12, "champions"),
    "fresh": (5, 2, 1, 2, "new"),
    "regular": (3, 4, 5, 3, "loyal"),
    "fading": (2, 4, 3, 3, "at_risk"),
    "sleepy": (1, 1, 1, 1, "hibernating"),
    "twin_a": (2, 2, 2, 2, "hibernating"),
    "twin_b": (2, 2, 2, 2, "hibernating"),
}


def test_rfm_scores_match_a_hand_computation(app: Any, make_user: Any) -> None:
    ids = {}
    for name, (age, days_ago, amount) in POPULATION.items():
        user = make_user(name)
        _age(user.id, age)
        _activity(user.id, days_ago, amount)
        ids[name] = user.id
    quiet_newcomer = make_user("quiet_newcomer")  # joined 5 days ago, no activity: new
    _age(quiet_newcomer.id, 5)
    db.session.commit()

    snapshot = rfm.take_snapshot(None)
    db.session.commit()
    rows = {m.user_id: m for m in db.session.execute(
        sa.select(SegmentMember).where(SegmentMember.snapshot_id == snapshot.id)).scalars()}
    got = {name: (rows[uid].r, rows[uid].f, rows[uid].m, rows[uid].frequency, rows[uid].segment)
           for name, uid in ids.items()}
    assert got == EXPECTED
    assert rows[quiet_newcomer.id].segment == "new"


def test_a_recent_user_active_on_nine_to_fourteen_days_is_not_new(app: Any,
                                                                 make_user: Any) -> None:
    """Everyone in the demo joined the same day; the busy ones must not all read "new"."""
    busy = {}
    for active_days in (9, 12, 14):
        user = make_user(f"busy{active_days}")
        _activity(user.id, list(range(active_days)), 10)
        busy[user.id] = active_days
    light = make_user("light")
    _activity(light.id, [0, 1, 2], 10)
    db.session.commit()

    snapshot = rfm.take_snapshot(None)
    db.session.commit()
    segments = dict(db.session.execute(
        sa.select(SegmentMember.user_id, SegmentMember.segment)
        .where(SegmentMember.snapshot_id == snapshot.id)).all())
    assert all(segments[uid] != "new" for uid in busy), segments
    assert segments[light.id] == "new"
    assert rfm.NEW_USER_MAX_ACTIVE_DAYS <= 9


def test_users_who_behaved_alike_share_their_scores(app: Any, make_user: Any) -> None:
    """Ten identical users: NTILE alone would score them 1 to 5 by user id."""
    same = [make_user(f"same{i}") for i in range(10)]
    for user in same:
        _age(user.id, 200)
        _activity(user.id, [3, 4], 7)
    db.session.commit()
    snapshot = rfm.take_snapshot(None)
    db.session.commit()
    scores = set(db.session.execute(
        sa.select(SegmentMember.r, SegmentMember.f, SegmentMember.m, SegmentMember.segment)
        .where(SegmentMember.snapshot_id == snapshot.id)).all())
    assert scores == {(3, 3, 3, "others")}
