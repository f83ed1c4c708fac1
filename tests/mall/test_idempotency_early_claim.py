"""The Idempotency-Key claim taken along with the bearer token's statement (PostgreSQL).

core.idempotency explains the design; here is what must hold whichever way a key is
claimed: one effect per key, replays identical, a refused request leaves the key free,
and the hourly token touch (which commits before the view) never commits a claim.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from tests.conftest import new_key
from tokenmart.accounts.models import ApiToken
from tokenmart.core import rawsql
from tokenmart.core.clock import utcnow
from tokenmart.core.idempotency import IdempotencyRecord
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of
from tokenmart.mall.models import Redemption


def _url(reward: Any) -> str:
    return f"/api/v1/rewards/{reward.id}/redemptions"


def _redemptions() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar_one()


def _records() -> list[tuple[int | None, str | None]]:
    db.session.expire_all()
    return [(r.status_code, r.response_body)
            for r in db.session.execute(sa.select(IdempotencyRecord)).scalars()]


def test_the_claim_rides_on_the_token_statement_on_postgresql(make_user, make_reward, api,
                                                              is_postgres):
    alice = make_user("alice", flower=100)
    reward = make_reward(price=10, stock=5)
    client = api(alice)
    db.session.rollback()
    statements: list[str] = []
    rawsql.statement_listeners.append(statements.append)
    try:
        resp = client.post(_url(reward), {"shipping_address": "1 Road"}, key=new_key())
    finally:
        rawsql.statement_listeners.remove(statements.append)
    assert resp.status_code == 201, resp.json
    claims = [s for s in statements if s.startswith("INSERT INTO idempotency_records")]
    if is_postgres:  # the token's statement, the first one, inserts the claim itself
        assert claims == []
        assert "FROM api_tokens" in statements[0]
        assert "INSERT INTO idempotency_records" in statements[0]
    else:  # SQLite has no writes in WITH: the claim is a statement of its own
        assert len(claims) == 1
    [(status, body)] = _records()
    assert status == 201 and body == resp.get_data(as_text=True)


def test_a_replay_of_an_early_claim_is_identical_and_a_reuse_is_refused(make_user, make_reward,
                                                                         api):
    bob = make_user("bob", flower=100)
    reward = make_reward(price=10, stock=5)
    key = new_key()
    first = api(bob).post(_url(reward), {"shipping_address": "x"}, key=key)
    again = api(bob).post(_url(reward), {"shipping_address": "x"}, key=key)
    other = api(bob).post(_url(reward), {"shipping_address": "y"}, key=key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    assert _redemptions() == 1 and balances_of(bob.id)["flower"] == 90


def test_a_refused_request_leaves_its_key_free(make_user, make_reward, api, admin):
    carol = make_user("carol", flower=5)
    reward = make_reward(price=10, stock=5)
    key = new_key()
    refused = api(carol).post(_url(reward), {"shipping_address": "x"}, key=key)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "insufficient_balance"
    assert _records() == []  # the claim rolled back with the refusal
    grant = api(admin).post("/api/v1/admin/grants", {"user_id": carol.id, "currency": "flower",
                                                     "amount": 20, "memo": "top up"},
                            key=new_key())
    assert grant.status_code == 201, grant.json
    retry = api(carol).post(_url(reward), {"shipping_address": "x"}, key=key)
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers


@pytest.mark.parametrize("outcome", ["refused", "redeemed"])
def test_the_hourly_token_touch_never_commits_a_claim(make_user, make_reward, api, outcome):
    """The touch commits before the view; a claim in that transaction would outlive a
    refusal with no answer stored, and every retry of the key would replay nothing."""
    dave = make_user("dave", flower=100 if outcome == "redeemed" else 5)
    reward = make_reward(price=10, stock=5)
    client = api(dave)
    key = new_key()
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        resp = client.post(_url(reward), {"shipping_address": "x"}, key=key)
        db.session.expire_all()
        touched = db.session.execute(sa.select(ApiToken.last_used_at)).scalar_one()
    assert touched is not None  # the token was due its touch, and got it
    if outcome == "refused":
        assert resp.status_code == 409
        assert _records() == []
    else:
        assert resp.status_code == 201
        [(status, body)] = _records()
        assert status == 201 and body == resp.get_data(as_text=True)
        again = client.post(_url(reward), {"shipping_address": "x"}, key=key)
        assert again.json == resp.json and again.headers["Idempotent-Replayed"] == "true"
        assert _redemptions() == 1


def test_a_claim_is_the_callers_own(make_user, make_reward, api):
    """Two users may send the same key: the claim is inserted for the token's owner."""
    erin, frank = make_user("erin", flower=100), make_user("frank", flower=100)
    reward = make_reward(price=10, stock=5)
    key = new_key()
    assert api(erin).post(_url(reward), {"shipping_address": "x"}, key=key).status_code == 201
    assert api(frank).post(_url(reward), {"shipping_address": "x"}, key=key).status_code == 201
    owners = sorted(db.session.execute(sa.select(IdempotencyRecord.user_id)).scalars())
    assert owners == sorted([erin.id, frank.id])
    assert _redemptions() == 2


def test_a_bad_token_claims_nothing(make_reward, client):
    reward = make_reward(price=10, stock=5)
    resp = client.post(_url(reward), json={"shipping_address": "x"},
                       headers={"Authorization": "Bearer tm_nope", "Idempotency-Key": new_key()})
    assert resp.status_code == 401
    assert _records() == []
