"""Races on the redemption hot path, with real threads over HTTP, on both databases."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import sqlalchemy as sa

from tests.conftest import new_key
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of, system_balance
from tokenmart.mall.models import Redemption, Reward, VoucherCode


def _race(app: Any, calls: list[tuple[str, str, dict[str, Any], str]]) -> list[Any]:
    """Run each (token, path, body, key) POST in its own thread, all released at once."""
    db.session.rollback()  # the test's own session must hold no lock (SQLite: BEGIN IMMEDIATE)
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, token: str, path: str, body: dict[str, Any], key: str) -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            resp = client.post(path, json=body, headers={
                "Authorization": f"Bearer {token}", "Idempotency-Key": key})
            results[i] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _count(model: Any, *where: Any) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar()


def test_24_buyers_of_stock_5_give_exactly_5(app, make_user, make_reward, token_for):
    reward = make_reward("Hot", price=10, stock=5)
    users = [make_user(f"buyer{i}", flower=25) for i in range(12)]
    tokens = {u.id: token_for(u) for u in users}
    path = f"/api/v1/rewards/{reward.id}/redemptions"
    calls = [(tokens[u.id], path, {"shipping_address": "x"}, new_key()) for u in users * 2]

    results = _race(app, calls)

    statuses = Counter(code for code, _ in results)
    assert statuses == {201: 5, 409: 19}
    assert {body["error"]["code"] for code, body in results if code == 409} == {"out_of_stock"}
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 0
    assert _count(Redemption) == 5
    assert sum(balances_of(u.id)["flower"] for u in users) == 12 * 25 - 50
    assert system_balance("burn", "flower") == 50


def test_ten_twins_with_one_key_have_one_effect(app, make_user, make_reward, token_for):
    reward = make_reward("Twin", price=10, stock=None)
    frank = make_user("frank", flower=100)
    token = token_for(frank)
    key = new_key()
    path = f"/api/v1/rewards/{reward.id}/redemptions"

    results = _race(app, [(token, path, {"shipping_address": "x"}, key)] * 10)

    assert {code for code, _ in results} == {201}
    assert len({repr(body) for _, body in results}) == 1  # identical responses
    assert _count(Redemption) == 1
    assert balances_of(frank.id)["flower"] == 90


def test_per_user_limit_holds_under_a_race(app, make_user, make_reward, token_for):
    reward = make_reward("Limited", price=5, stock=None, per_user_limit=2)
    users = [make_user(f"limited{i}", flower=100) for i in range(3)]
    tokens = {u.id: token_for(u) for u in users}
    path = f"/api/v1/rewards/{reward.id}/redemptions"
    calls = [(tokens[u.id], path, {"shipping_address": "x"}, new_key()) for u in users * 4]

    results = _race(app, calls)

    assert Counter(code for code, _ in results) == {201: 6, 403: 6}
    for u in users:
        assert _count(Redemption, Redemption.user_id == u.id) == 2
        assert balances_of(u.id)["flower"] == 90


def test_each_voucher_code_is_given_once(app, make_user, make_reward, token_for):
    codes = [f"V-{i:02d}" for i in range(8)]
    reward = make_reward("Voucher", price=1, grant="voucher_codes", codes=codes)
    users = [make_user(f"voucher{i}", flower=3) for i in range(6)]
    tokens = {u.id: token_for(u) for u in users}
    path = f"/api/v1/rewards/{reward.id}/redemptions"
    calls = [(tokens[u.id], path, {}, new_key()) for u in users * 2]

    results = _race(app, calls)

    given = [body["grant"]["voucher_code"] for code, body in results if code == 201]
    assert len(given) == 8
    assert sorted(given) == codes  # every code once, none twice
    assert Counter(code for code, _ in results) == {201: 8, 409: 4}
    assert _count(VoucherCode, VoucherCode.assigned.is_(True)) == 8
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 0
