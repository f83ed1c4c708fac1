"""The chaos test's pure parts: the seeded fault schedule, the nemesis loop, how a client
tells a definitive answer, and above all the audit — clean after a sound run through the
real API, and failing on a planted lost write, a second effect, a negative balance, an
unbalanced ledger and a replay that acted again."""

from __future__ import annotations

import json
import pwd
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from loadtests.chaos import audit
from loadtests.chaos.clients import Ack, Answer, is_definitive
from loadtests.chaos.cluster import run_as_prefix
from loadtests.chaos.nemesis import KINDS, Fault, Nemesis, schedule
from tests.conftest import new_key
from tokenmart.extensions import db

# --- schedule, nemesis, clients -----------------------------------------------------------


def test_schedule_is_seeded_and_a_minute_sees_every_kind_of_fault():
    for seed in range(1, 30):
        faults = schedule(seed, 60)
        assert faults == schedule(seed, 60)
        assert {f.kind for f in faults} == set(KINDS), seed
        assert all(4 <= f.at <= 54 for f in faults)
        assert [f.at for f in faults] == sorted(f.at for f in faults)
        assert all(2 <= f.pause <= 6 for f in faults if f.kind == "pg_freeze")
    assert schedule(1, 60) != schedule(2, 60)


class FakeTarget:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def kill_worker(self, pick: int) -> int:
        self.calls.append(f"kill_worker {pick}")
        return 100 + pick

    def kill_master(self) -> int:
        self.calls.append("kill_master")
        return 1

    def restart_server(self) -> None:
        self.calls.append("restart_server")

    def pg_crash(self) -> None:
        self.calls.append("pg_crash")

    def pg_start(self) -> None:
        self.calls.append("pg_start")

    def pg_freeze(self) -> list[int]:
        self.calls.append("pg_freeze")
        return [7, 8]

    def pg_thaw(self, pids: list[int]) -> None:
        self.calls.append(f"pg_thaw {pids}")


def test_nemesis_heals_every_fault_it_injects(capsys):
    target = FakeTarget()
    faults = [Fault(0.0, "kill_worker", 0), Fault(0.0, "kill_master", 0.01),
              Fault(0.0, "pg_restart", 0.01), Fault(0.0, "pg_freeze", 0.01)]
    nemesis = Nemesis(target, faults, time.monotonic(), settle=0)
    nemesis.start()
    nemesis.thread.join(5)
    assert target.calls == ["kill_worker 0", "kill_master", "restart_server", "pg_crash",
                            "pg_start", "pg_freeze", "pg_thaw [7, 8]"]
    assert dict(nemesis.done) == {k: 1 for k in KINDS}
    assert nemesis.errors == []
    assert "pg_freeze SIGSTOP 2 processes" in capsys.readouterr().out


def test_a_failed_fault_is_reported_and_the_run_goes_on():
    class Broken(FakeTarget):
        def pg_start(self) -> None:
            raise RuntimeError("no recovery")

    nemesis = Nemesis(Broken(), [Fault(0, "pg_restart", 0), Fault(0, "kill_worker", 0)],
                      time.monotonic(), settle=0)
    nemesis.start()
    nemesis.thread.join(5)
    assert len(nemesis.errors) == 1 and "no recovery" in nemesis.errors[0]
    assert nemesis.done["kill_worker"] == 1


def test_only_an_answer_below_500_is_definitive():
    assert [is_definitive(s) for s in (200, 201, 409, 422, 500, 503, None)] == \
        [True, True, True, True, False, False, False]
    assert Answer(409, '{"error": {"code": "out_of_stock"}}').code == "out_of_stock"
    assert Answer(502, "<html>Bad gateway</html>").code == ""


def test_the_cluster_runs_as_the_postgres_user_only_when_we_are_root():
    assert run_as_prefix(1000) == []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres OS user here")
    assert run_as_prefix(0) == ["runuser", "-u", "postgres", "--"]


# --- the audit on a small database built by the app ---------------------------------------


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return {"BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}


def _ack(kind: str, user: Any, idx: int, path: str, body: dict[str, Any], key: str | None,
         resp: Any) -> Ack:
    return Ack(kind, idx, user.id, "POST", path, body, key, resp.status_code,
               resp.get_data(as_text=True))


@pytest.fixture
def run(make_user: Any, api: Any) -> dict[str, Any]:
    """A sound little run through the real API: two redemptions (one retried with its key),
    a check-in, and two swaps (one confirmed, one cancelled); its acknowledged writes."""
    from tokenmart.mall import admin_service

    alice = make_user("alice", flower=100, coin=50)
    bob = make_user("bob", flower=10)
    admin = make_user("boss", roles=["admin"])
    reward = admin_service.create_reward(None, {"name": "Tote", "currency": "flower", "price": 3,
                                                "stock": 5, "grant": {"type": "physical"}})
    db.session.commit()
    a, b, boss = api(alice), api(bob), api(admin)
    acks: list[Ack] = []
    path = f"/api/v1/rewards/{reward.id}/redemptions"
    body = {"shipping_address": "1 Test Road"}
    for _ in range(2):
        key = new_key()
        first = a.post(path, body, key=key)
        assert a.post(path, body, key=key).get_data() == first.get_data()  # a client retry
        assert first.status_code == 201
        acks.append(_ack("redeem", alice, 0, path, body, key, first))
    checkin = a.post("/api/v1/checkins", {})
    assert checkin.status_code == 201
    acks.append(_ack("checkin", alice, 0, "/api/v1/checkins", {}, None, checkin))
    for ending in (["ship", "confirm"], ["cancel"]):
        listing = b.post("/api/v1/listings", {"title": "Book", "category": "books",
                                               "condition": "good", "price": 4, "city": "Shanghai",
                                               "handover": "meetup"}).json["id"]
        assert boss.post(f"/api/v1/admin/listings/{listing}/approve", {}).status_code == 200
        opath, obody, key = f"/api/v1/listings/{listing}/orders", {"handover": "meetup"}, new_key()
        order = a.post(opath, obody, key=key)
        assert order.status_code == 201, order.json
        acks.append(_ack("order", alice, 0, opath, obody, key, order))
        for action in ending:
            actor, who, idx = (b, bob, 1) if action == "ship" else (a, alice, 0)
            tpath = f"/api/v1/orders/{order.json['id']}/{action}"
            done = actor.post(tpath, {})
            assert done.status_code == 200, done.json
            acks.append(_ack(action, who, idx, tpath, {}, None, done))
    db.session.commit()
    ids = {"alice_id": alice.id, "stock": {str(reward.id): 5}}
    db.session.close()
    return {"acks": acks, **ids}


@pytest.fixture
def conn(run: dict[str, Any]) -> Iterator[Any]:
    """A connection in a transaction that is rolled back: plants never outlive the test."""
    with db.engine.connect() as connection:
        trans = connection.begin()
        yield connection
        trans.rollback()


def _problems(conn: Any, run: dict[str, Any], acks: list[Ack] | None = None) -> list[str]:
    return audit.database_problems(conn, run["acks"] if acks is None else acks, run["stock"])


def test_the_audit_passes_a_sound_run(run, database_url):
    assert [a.kind for a in run["acks"]] == ["redeem", "redeem", "checkin", "order", "ship",
                                              "confirm", "order", "cancel"]
    with db.engine.connect() as conn:
        assert _problems(conn, run) == []
    assert audit.audit_database(database_url, run["acks"], run["stock"]) == []


def test_the_audit_finds_a_lost_redemption(conn, run):
    redeem = run["acks"][0]
    lost = json.loads(redeem.response) | {"id": 999_999}
    acks = [*run["acks"], replace(redeem, key=new_key(), response=json.dumps(lost))]
    problems = _problems(conn, run, acks)
    assert any(p.startswith("lost write: redemption 999999") for p in problems), problems


def test_the_audit_finds_a_lost_checkin_and_a_lost_confirmation(conn, run):
    alice = run["alice_id"]
    conn.execute(sa.text("DELETE FROM checkins WHERE user_id = :u"), {"u": alice})
    order_id = next(int(a.path.split("/")[4]) for a in run["acks"] if a.kind == "confirm")
    conn.execute(sa.text("UPDATE barter_orders SET status = 'shipped' WHERE id = :id"),
                 {"id": order_id})
    problems = _problems(conn, run)
    assert any(p.startswith(f"lost write: check-in of user {alice}") for p in problems)
    assert any(p.startswith(f"lost write: confirm of order {order_id} acknowledged but the "
                            "order is shipped") for p in problems), problems


def test_the_audit_finds_a_second_effect_of_one_key(conn, run):
    redeem = run["acks"][0]
    # the same redemption stored as the answer of another key: one request acted twice
    conn.execute(sa.text(
        "INSERT INTO idempotency_records (user_id, key, fingerprint, status_code, response_body, "
        "created_at) SELECT user_id, 'second-key', fingerprint, status_code, response_body, "
        "created_at FROM idempotency_records WHERE key = :k"), {"k": redeem.key})
    rid = json.loads(redeem.response)["id"]
    problems = _problems(conn, run)
    assert f"idempotency: redemption {rid} is the stored effect of 2 keys" in problems


def test_the_audit_finds_an_effect_without_a_key_and_a_double_sale(conn, run):
    order = next(a for a in run["acks"] if a.kind == "order")
    oid = json.loads(order.response)["id"]
    conn.execute(sa.text(
        "INSERT INTO barter_orders (listing_id, buyer_id, seller_id, price, handover, "
        "shipping_fee_cents, discount_cents, status, updated_at, created_at) SELECT listing_id, "
        "buyer_id, seller_id, price, handover, shipping_fee_cents, discount_cents, status, "
        "updated_at, created_at FROM barter_orders WHERE id = :id"), {"id": oid})
    problems = _problems(conn, run)
    assert any(p.startswith("idempotency: order") and "stored effect of 0 keys" in p
               for p in problems), problems
    assert any(p.startswith("double sale: listing") for p in problems), problems


def test_the_audit_finds_a_refused_request_that_acted(conn, run):
    redeem = run["acks"][0]
    refused = replace(redeem, key=new_key(), status=409,
                      response='{"error": {"code": "out_of_stock"}}')
    assert audit.refusals_left_nothing(conn, [refused]) == []
    # the client was told "out of stock", yet an earlier attempt with that key had redeemed
    conn.execute(sa.text(
        "INSERT INTO idempotency_records (user_id, key, fingerprint, status_code, response_body, "
        "created_at) SELECT user_id, :new, fingerprint, status_code, response_body, created_at "
        "FROM idempotency_records WHERE key = :k"), {"new": refused.key, "k": redeem.key})
    problems = audit.database_problems(conn, run["acks"], run["stock"], [refused])
    assert any(p.startswith(f"phantom write: key {refused.key} (redeem) was refused with 409")
               for p in problems), problems


def _entry(conn: Any, tx: int, account: int, currency: str, amount: int) -> None:
    conn.execute(sa.text("INSERT INTO ledger_entries (transaction_id, account_id, currency, "
                         "amount, created_at) VALUES (:t, :a, :c, :n, :now)"),
                 {"t": tx, "a": account, "c": currency, "n": amount, "now": "2026-12-03 00:00:00"})


def test_the_audit_finds_a_negative_balance_and_a_broken_conservation(conn, run):
    alice = run["alice_id"]
    tx = conn.execute(sa.text("SELECT min(transaction_id) FROM ledger_entries")).scalar()
    mine = dict(conn.execute(sa.text("SELECT currency, id FROM accounts WHERE user_id = :u"),
                             {"u": alice}).all())
    system = conn.execute(sa.text("SELECT id FROM accounts WHERE user_id IS NULL AND "
                                  "currency = 'flower'")).scalar()
    # a balanced debit that bypassed the conditional update (the CHECK keeps the cached
    # balance itself from going below zero), and a lone coin entry
    _entry(conn, tx, mine["flower"], "flower", -1000)
    _entry(conn, tx, system, "flower", 1000)
    _entry(conn, tx, mine["coin"], "coin", 7)
    problems = _problems(conn, run)
    assert any(p.startswith(f"negative: user {alice} flower balance") for p in problems), problems
    assert "conservation: coin entries sum to 7, not 0" in problems
    assert not any(p.startswith("conservation: flower entries") for p in problems)
    assert any(p.startswith(f"conservation: user {alice} coin balance") for p in problems)


def test_a_replay_must_return_the_identical_answer_marked_as_a_replay(run):
    ack = run["acks"][0]
    same = Answer(ack.status, ack.response, {"idempotent-replayed": "true"})
    assert audit.compare_replay(ack, same) is None
    assert "without Idempotent-Replayed" in audit.compare_replay(ack, replace(same, headers={}))
    other = replace(same, text=ack.response.replace('"id"', '"id" ', 1))
    assert audit.compare_replay(ack, other).startswith("replay: key")
    assert "got no answer" in audit.compare_replay(ack, Answer(None))


def test_replay_all_sends_each_keyed_write_again_as_it_was(run):
    sent: list[tuple[str, str, str, str]] = []
    by_key = {a.key: a for a in run["acks"] if a.key}

    def call(method: str, path: str, token: str, body: dict[str, Any], key: str) -> Answer:
        sent.append((method, path, token, key))
        return Answer(201, by_key[key].response, {"idempotent-replayed": "true"})

    count, problems = audit.replay_all(run["acks"], ["tok-alice", "tok-bob"], call, threads=1)
    assert count == len(by_key) == 4 and problems == []
    assert {s[3] for s in sent} == set(by_key) and {s[2] for s in sent} == {"tok-alice"}


def test_replaying_through_the_app_returns_the_first_answers(run, client, token_for):
    from tokenmart.accounts.models import User

    token = token_for(db.session.get(User, run["alice_id"]))

    def call(method: str, path: str, tok: str, body: dict[str, Any], key: str) -> Answer:
        resp = client.post(path, json=body, headers={"Authorization": f"Bearer {tok}",
                                                     "Idempotency-Key": key})
        return Answer(resp.status_code, resp.get_data(as_text=True),
                      {k.lower(): v for k, v in resp.headers.items()})

    count, problems = audit.replay_all(run["acks"], [token, token], call, threads=1)
    assert count == 4 and problems == []


def test_slow_heals_shift_the_schedule_and_nothing_starts_after_the_deadline():
    target = FakeTarget()
    faults = [Fault(0.0, "kill_worker", 0), Fault(0.0, "kill_worker", 0),
              Fault(0.05, "kill_worker", 0), Fault(30.0, "pg_restart", 0)]
    started = time.monotonic()
    nemesis = Nemesis(target, faults, started, deadline=1.0, settle=0.2)
    nemesis.start()
    nemesis.thread.join(5)
    assert target.calls == ["kill_worker 0", "kill_worker 1", "kill_worker 2"]
    assert nemesis.skipped == 1
    assert time.monotonic() - started >= 0.4  # two settles between three faults


def test_the_summary_names_the_exception_behind_each_server_error(tmp_path):
    from loadtests.chaos.__main__ import server_errors

    log = tmp_path / "gunicorn.log"
    log.write_text(
        "[2026-12-03 15:09:39 +0000] [1] [ERROR] Error handling request POST /api/v1/x\n"
        "Traceback (most recent call last):\n  File \"x\", line 1\n"
        "psycopg.OperationalError: server closed the connection unexpectedly\n\n"
        "Traceback (most recent call last):\n"
        "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) server closed\n"
        "[2026-12-03 15:09:40 +0000] [1] [ERROR] Worker (pid:2) was sent SIGKILL!\n"
        '{"time": "t", "level": "ERROR", "message": "boom", "exc": "Traceback\\nValueError: x"}\n')
    assert server_errors(log) == [
        "[2026-12-03 15:09:39 +0000] [1] [ERROR] Error handling request POST /api/v1/x => "
        "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) server closed",
        "t boom Traceback | ValueError: x"]
    assert server_errors(tmp_path / "missing.log") == []
