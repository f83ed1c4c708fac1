"""The hot path stays lean: the exact number of SQL statements of one redemption."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from tests.conftest import new_key
from tokenmart.core import rawsql
from tokenmart.extensions import db

#: redeem_reward() for a limited-stock physical reward with a per-user limit:
#: SELECT reward, INSERT .. ON CONFLICT (limit), then the ledger's posting, then UPDATE
#: stock and INSERT redemption; plus the one SELECT of the user's membership cards (member
#: prices, SPEC §12: one indexed query, memberships by user and status). The posting is 4
#: statements on SQLite (INSERT transaction, UPDATE balance, one multi-row INSERT of both
#: entries, INSERT notification — no savepoint: the hot path posts with atomic=False) and
#: 1 on PostgreSQL (the same four writes as one statement of data-modifying CTEs).
EXPECTED_SERVICE = {"postgresql": 6, "sqlite": 9}
#: the whole HTTP request: 1 SELECT for the bearer token with its roles (and whether the
#: caller holds a membership card: one who holds none skips the service's card SELECT), the
#: idempotency claim (one INSERT .. ON CONFLICT DO NOTHING; on PostgreSQL a WITH item of
#: the token's statement, see core.idempotency.early_claim), the service's and the UPDATE
#: storing the response; SQLite adds its BEGIN IMMEDIATE. COMMIT is not a cursor statement.
EXPECTED_HTTP = {"postgresql": 7, "sqlite": 12}


@contextmanager
def counting() -> Iterator[list[str]]:
    """Every statement sent, through SQLAlchemy or through core.rawsql's hot-path cursor."""
    statements: list[str] = []

    def record_raw(statement: str) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        record_raw(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    rawsql.statement_listeners.append(record_raw)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
        rawsql.statement_listeners.remove(record_raw)


def test_service_statement_count(make_user, make_reward, app, is_postgres):
    from tokenmart.mall.service import redeem_reward

    user = make_user("counter", flower=100)
    reward = make_reward(price=10, stock=5, per_user_limit=3)
    reward_id, user_id = reward.id, user.id
    db.session.rollback()
    with counting() as statements:
        redeem_reward(reward_id, user_id, "member", "1 Road")
    db.session.commit()
    # BEGIN (SQLite only) is issued by the connection, not by the service
    body = [s for s in statements if s != "BEGIN"]
    expected = EXPECTED_SERVICE["postgresql" if is_postgres else "sqlite"]
    assert len(body) == expected, " ".join(statements)


def _http_statements(user: Any, reward: Any, api: Any) -> tuple[Any, list[str]]:
    client = api(user)
    path = f"/api/v1/rewards/{reward.id}/redemptions"
    db.session.rollback()
    with counting() as statements:
        resp = client.post(path, {"shipping_address": "1 Road"}, key=new_key())
    assert resp.status_code == 201, resp.get_json()
    return resp, statements


def test_http_statement_count(make_user, make_reward, api, is_postgres):
    user = make_user("counter", flower=100)
    reward = make_reward(price=10, stock=5, per_user_limit=3)
    _resp, statements = _http_statements(user, reward, api)
    expected = EXPECTED_HTTP["postgresql" if is_postgres else "sqlite"]
    assert len(statements) == expected, " ".join(statements)


def test_a_card_holder_pays_one_more_statement_and_the_member_price(
        make_user, make_reward, api, is_postgres):
    from tokenmart.membership import joining, programs

    card = programs.create_card(None, {"name": "Red", "kind": "free",
                                       "benefits": {"member_discount_percent": 20}})
    user = make_user("holder", flower=100)
    joining.join_card(card.id, user.id)
    db.session.commit()
    reward = make_reward(price=10, stock=5, per_user_limit=3)
    resp, statements = _http_statements(user, reward, api)
    assert resp.get_json()["price"] == 8
    expected = EXPECTED_HTTP["postgresql" if is_postgres else "sqlite"] + 1
    assert len(statements) == expected, " ".join(statements)
