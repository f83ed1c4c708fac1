"""Property-based: random transfers, grants and over-spends never break a ledger promise."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenmart.errors import InsufficientBalance
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.ledger.models import CURRENCIES
from tokenmart.ledger.verify import verify

N_USERS = 4
operation = st.one_of(
    st.tuples(st.just("grant"), st.integers(0, N_USERS - 1), st.sampled_from(CURRENCIES),
              st.integers(1, 50)),
    st.tuples(st.just("transfer"), st.integers(0, N_USERS - 1), st.integers(0, N_USERS - 1),
              st.sampled_from(CURRENCIES), st.integers(1, 80)),
    st.tuples(st.just("spend"), st.integers(0, N_USERS - 1), st.sampled_from(CURRENCIES),
              st.integers(1, 200)),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=30))
def test_random_operations_keep_every_promise(app: Any, make_user: Any, ops: list[Any]) -> None:
    users = [make_user() for _ in range(N_USERS)]
    expected = {(u.id, c): 0 for u in users for c in CURRENCIES}
    for op in ops:
        try:
            if op[0] == "grant":
                _, i, cur, amount = op
                ledger.transfer("adjustment", cur, amount, ledger.MINT, ledger.user(users[i].id))
                expected[(users[i].id, cur)] += amount
            elif op[0] == "transfer":
                _, i, j, cur, amount = op
                if i == j:
                    continue
                ledger.transfer("adjustment", cur, amount, ledger.user(users[i].id),
                                ledger.user(users[j].id))
                expected[(users[i].id, cur)] -= amount
                expected[(users[j].id, cur)] += amount
            else:
                _, i, cur, amount = op
                ledger.transfer("redemption", cur, amount, ledger.user(users[i].id), ledger.BURN)
                expected[(users[i].id, cur)] -= amount
        except InsufficientBalance:
            pass  # refused over-spend: the model is unchanged, and so must the ledger be
        assert all(v >= 0 for v in expected.values())
    db.session.commit()
    for u in users:
        for cur, value in ledger.balances_of(u.id).items():
            assert value == expected[(u.id, cur)]
    assert verify() == []
