"""Property: the SQL allocation is exact largest remainder, on the real database."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenmart.clearing.engine import shares_select
from tokenmart.extensions import db


def _allocate(holdings: list[int], pool: int, max_rate: int) -> dict[int, int]:
    rows = [
        sa.select(sa.literal(uid, sa.Integer).label("user_id"),
                  sa.literal(uid, sa.Integer).label("coin_account_id"),
                  sa.literal(coins, sa.BigInteger).label("coins"))
        for uid, coins in enumerate(holdings, start=1)
    ]
    held = sa.union_all(*rows).subquery("held")
    shares = shares_select(held, pool, max_rate)
    result = db.session.execute(sa.select(shares.c.user_id, shares.c.credit)).all()
    db.session.rollback()
    return {int(u): int(c) for u, c in result}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    holdings=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=25),
    pool=st.integers(min_value=0, max_value=10**9),
    max_rate=st.integers(min_value=0, max_value=10_000),
)
def test_allocation_is_exact_largest_remainder(app: Any, holdings: list[int], pool: int,
                                               max_rate: int) -> None:
    credits = _allocate(holdings, pool, max_rate)
    total = sum(holdings)
    holders = {uid: c for uid, c in enumerate(holdings, start=1) if c > 0}
    assert set(credits) == set(holders)
    if not holders:
        return
    paid = min(pool, total * max_rate // 1000)
    assert sum(credits.values()) == paid
    quotas = {uid: Fraction(paid * c, total) for uid, c in holders.items()}
    for uid, credit in credits.items():
        assert credit in (quotas[uid].numerator // quotas[uid].denominator,
                          -(-quotas[uid].numerator // quotas[uid].denominator))
    # whoever got the extra cent has a remainder at least as large as anyone who did not,
    # and on equal remainders the lower id comes first
    rounded_up = {uid for uid, credit in credits.items() if credit > quotas[uid]}
    for up in rounded_up:
        for other in set(holders) - rounded_up:
            r_up, r_other = quotas[up] % 1, quotas[other] % 1
            assert r_up > r_other or (r_up == r_other and up < other)


def test_allocation_ties_go_to_lower_ids(app: Any) -> None:
    # 5 cents over 4 equal holders: quotas 1.25 each, one cent left over -> user 1
    assert _allocate([7, 7, 7, 7], 5, 10_000) == {1: 2, 2: 1, 3: 1, 4: 1}
    # 2 cents over 3 equal holders: quotas 0.67, two cents left -> users 1 and 2
    assert _allocate([5, 5, 5], 2, 10_000) == {1: 1, 2: 1, 3: 0}
