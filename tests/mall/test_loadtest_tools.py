"""The load-test tools work: the seeding command and the raw-SQL reference app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from loadtests import reference_app
from loadtests.audit import audit_connection
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of


def test_seed_load_command_writes_a_usable_manifest(app, tmp_path, client):
    out = tmp_path / "manifest.json"
    result = app.test_cli_runner().invoke(args=[
        "mall", "seed-load", "--users", "3", "--flower", "7", "--coin", "9",
        "--hot-stock", "4", "--codes", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "users: 3/3" in result.output  # progress, for the operator watching a long seed
    manifest = json.loads(out.read_text())
    assert len(manifest["tokens"]) == 3
    assert set(manifest["rewards"]) == {"hot", "voucher", "unlimited_a", "unlimited_b"}
    assert manifest["initial_stock"] == {str(manifest["rewards"]["hot"]): 4,
                                         str(manifest["rewards"]["voucher"]): 5}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {manifest['tokens'][0]}"})
    assert me.status_code == 200
    assert me.json["balances"] == {"flower": 7, "coin": 9, "credit": 0}


@pytest.fixture
def reference(app: Any, database_url: str, monkeypatch: Any) -> Any:
    from tokenmart.config import normalize_database_url

    url = normalize_database_url(database_url)
    monkeypatch.setattr(reference_app, "URL", url)
    monkeypatch.setattr(reference_app, "IS_PG", url.startswith("postgres"))
    reference_app._burn.clear()
    yield Client(reference_app.app)
    conn = getattr(reference_app._local, "conn", None)
    if conn is not None:
        conn.close()
        del reference_app._local.conn


def test_reference_app_redeems_like_tokenmart(app, reference):
    from tokenmart.mall.cli import seed_load

    manifest = seed_load(2, flower=10, coin=0, hot_stock=3, codes=1, prefix="ref")
    db.session.commit()
    hot = manifest["rewards"]["hot"]
    path = f"/api/v1/rewards/{hot}/redemptions"
    headers = {"Authorization": f"Bearer {manifest['tokens'][0]}"}
    body = {"shipping_address": "1 Road"}

    def post(key: str, **kw: Any) -> Any:
        return reference.post(path, json=kw.get("json", body),
                              headers={**headers, "Idempotency-Key": key})

    first = post("k1")
    assert first.status_code == 201
    assert json.loads(first.data) == {
        "id": 1, "price": 3, "currency": "flower", "balance_after": 7,
        "grant": {"type": "physical", "shipping_status": "pending", "tracking_no": None}}
    replay = post("k1")
    assert (replay.status_code, replay.data) == (201, first.data)
    assert post("k1", json={"shipping_address": "elsewhere"}).status_code == 422
    assert post("k2").status_code == 201
    third = post("k3")
    assert (third.status_code, json.loads(third.data)["error"]["code"]) == (403, "limit_reached")
    db.session.rollback()
    user_id = db.session.execute(db.text("SELECT user_id FROM api_tokens ORDER BY id LIMIT 1")
                                 ).scalar()
    assert balances_of(user_id)["flower"] == 4
    db.session.rollback()  # SQLite: the session's BEGIN IMMEDIATE would block the auditor
    with db.engine.connect() as conn:
        assert audit_connection(conn, manifest["initial_stock"]) == []


def test_inprocess_loop_redeems_through_the_wsgi_app(app, make_user, make_reward, token_for):
    from loadtests.inprocess import redeem_loop

    user = make_user("looper", coin=10)
    reward = make_reward(price=2, currency="coin", stock=None)
    manifest = {"rewards": {"unlimited_a": reward.id}, "tokens": [token_for(user)]}
    db.session.commit()
    user_id = user.id

    statuses = redeem_loop(app, manifest, 3)

    db.session.rollback()
    assert statuses == {"201 CREATED": 3}
    assert balances_of(user_id)["coin"] == 4


def test_inprocess_loop_counts_every_refusal(app, make_user, make_reward, token_for):
    from loadtests.inprocess import redeem_loop

    user = make_user("poor", coin=3)
    reward = make_reward(price=2, currency="coin", stock=None)
    manifest = {"rewards": {"unlimited_a": reward.id}, "tokens": [token_for(user)]}
    db.session.commit()

    statuses = redeem_loop(app, manifest, 3)

    assert statuses == {"201 CREATED": 1, "409 CONFLICT": 2}


def test_opcode_counter_counts_a_redemption_and_expands_a_tree(app, make_user, make_reward,
                                                               token_for):
    """`loadtests.opcodes` sees the redemption's own functions, and the caller->callee
    tree puts the service under the view."""
    from loadtests.inprocess import redeem_loop
    from loadtests.opcodes import OpcodeCounter

    user = make_user("counted", coin=10)
    reward = make_reward(price=2, currency="coin", stock=None)
    manifest = {"rewards": {"unlimited_a": reward.id}, "tokens": [token_for(user)]}
    db.session.commit()
    counter = OpcodeCounter()
    counter.run(redeem_loop, app, manifest, 2)
    names = {code.co_qualname for code in counter.inclusive}
    assert {"redeem_reward", "caller_for_token"} <= names
    assert counter.total > 1000
    tree = counter.tree("mall/api.py", 2, depth=3)
    assert tree and "redeem" in tree[0]
    assert any("redeem_reward" in line for line in tree[1:])


def test_cpu_split_reads_the_hosts_steal_time(capsys):
    """bench.sh's steal% column comes from the `cpu` line of /proc/stat: the eighth field
    is steal, and guest time (already inside user and nice) is not counted twice."""
    from loadtests.cpu_split import machine_ticks, main

    line = "cpu  137537 0 25752 613762 3278 0 8978 754 500 0\n"
    assert machine_ticks(line) == (754, 137537 + 25752 + 613762 + 3278 + 8978 + 754)
    assert machine_ticks("cpu  10 0 5 85")[0] == 0  # an old kernel without the field

    assert main(["snap", "1"]) == 0
    fields = capsys.readouterr().out.split()
    assert len(fields) == 4
    steal, total = int(fields[2]), int(fields[3])
    assert 0 <= steal <= total and total > 0
