"""The clearing in committed batches (clearing/batches.py): the one-transaction clearing's
promises (exact largest-remainder shares, exactly once, coins earned after the end wait,
causes and pledges summing to the paid amount), plus what batches add: a run killed
between batches is finished exactly once by the next call, and a check-in during a
running clearing does not wait for it (PostgreSQL, real threads and a real kill -9).

Batches of 2 users here (CLEARING_BATCH_SIZE), so a handful of users take several."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from tests.causes.helpers import cause_balance, make_cause
from tests.clearing.helpers import T0, balances, count, earn
from tokenmart.causes import giving_service
from tokenmart.clearing import batches, engine, periods
from tokenmart.clearing.models import ClearingPledgeMove, ClearingRun
from tokenmart.extensions import db

ROOT = Path(__file__).resolve().parents[2]
BATCH = 2


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"CLEARING_BATCH_SIZE": BATCH}


class Killed(BaseException):
    """Stands for the process dying: nothing after the raise runs."""


def _close(revenue_cents: int) -> int:
    period = periods.current_period()
    if revenue_cents:
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=revenue_cents, memo="t")
    closed = periods.close_current(None)
    db.session.commit()
    return closed.id


def largest_remainder(holdings: dict[int, int], pool: int, max_rate: int = 100) -> dict[int, int]:
    """The rule in plain Python: floor shares, leftover cents to the largest remainders,
    ties to the lower user id."""
    total = sum(holdings.values())
    paid = min(pool, total * max_rate // 1000)
    shares = {uid: paid * coins // total for uid, coins in holdings.items()}
    order = sorted(holdings, key=lambda uid: (-(paid * holdings[uid] % total), uid))
    for uid in order[:paid - sum(shares.values())]:
        shares[uid] += 1
    return shares


def _clearing_entries(user_id: int) -> list[tuple[str, int]]:
    return [(c, int(a)) for c, a in db.session.execute(sa.text(
        "SELECT e.currency, e.amount FROM ledger_entries e "
        "JOIN accounts a ON a.id = e.account_id "
        "JOIN clearing_ledger_transactions c ON c.transaction_id = e.transaction_id "
        "WHERE a.user_id = :u ORDER BY e.currency"), {"u": user_id})]


HOLDINGS = [700, 1300, 2900, 100, 4000, 1000, 0, 3]  # 8 users, one with nothing


def _users(make_user: Any) -> list[Any]:
    return [make_user(f"user{i}", coin=coins) for i, coins in enumerate(HOLDINGS)]


def _expected(users: list[Any], pool: int) -> dict[int, int]:
    return largest_remainder({u.id: c for u, c in zip(users, HOLDINGS, strict=True) if c}, pool)


def _assert_cleared_once(users: list[Any], pool: int, report: dict[str, Any]) -> None:
    expected = _expected(users, pool)
    assert report["status"] == "cleared"
    assert report["paid_cents"] == sum(expected.values())
    assert (report["total_coins"], report["participants"]) == (sum(HOLDINGS), len(expected))
    for user in users:
        assert balances(user)["coin"] == 0
        assert balances(user)["credit"] == expected.get(user.id, 0)
        want = [("coin", -c) for c in [HOLDINGS[users.index(user)]] if c]
        if expected.get(user.id):
            want.append(("credit", expected[user.id]))
        assert _clearing_entries(user.id) == want  # one debit, one credit: exactly once
    assert count("notifications", "kind = 'clearing'") == len(expected)
    assert count("clearings") == 1 and count("clearing_shares") == 0


def test_batches_give_exact_largest_remainder_shares(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        users = _users(make_user)
        traveller.shift(timedelta(hours=1))
        period_id = _close(3333)  # pool 999 cents over 10,003 coins: remainders and a cap
        assert batches.runs_in_batches(period_id)
        report = engine.clear_period(period_id)
    _assert_cleared_once(users, 999, report)
    assert count("clearing_ledger_transactions") > 2  # one per batch, not one in all
    run = db.session.get(ClearingRun, period_id)
    assert run is not None and run.phase == "done" and run.batches >= 8
    again = engine.clear_period(period_id)
    assert again == report
    assert count("ledger_transactions", "kind = 'clearing'") == \
        count("clearing_ledger_transactions")


def test_coins_earned_after_the_end_wait_and_spent_ones_are_not_counted(
        app: Any, make_user: Any) -> None:
    from tokenmart.ledger import service as ledger

    with time_machine.travel(T0, tick=False) as traveller:
        ann, bob, cat = (make_user("ann", coin=1000), make_user("bob", coin=1000),
                         make_user("cat", coin=2000))
        traveller.shift(timedelta(hours=1))
        period_id = _close(1000)
        traveller.shift(timedelta(minutes=5))
        earn(ann, 500)  # after the end: waits for the next period
        ledger.transfer("redemption", "coin", 600, ledger.user(bob.id), ledger.BURN,
                        notify=False)  # spent after the end: only 400 left to give up
        db.session.commit()
        report = engine.clear_period(period_id)
    assert (report["total_coins"], report["paid_cents"]) == (3400, 300)
    assert balances(ann) == {"flower": 0, "coin": 500, "credit": 88}
    assert balances(bob) == {"flower": 0, "coin": 0, "credit": 35}
    assert balances(cat) == {"flower": 0, "coin": 0, "credit": 177}
    assert largest_remainder({ann.id: 1000, bob.id: 400, cat.id: 2000}, 300) == \
        {ann.id: 88, bob.id: 35, cat.id: 177}


def test_causes_and_pledges_in_batches_sum_to_the_paid_amount(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        users = [make_user(f"giver{i}", coin=1000) for i in range(5)]
        cause = make_cause()
        giving_service.donate(users[0].id, cause.id, "coin", 400)
        for user in users[1:3]:
            giving_service.set_pledge(user.id, cause.id, 25)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        period_id = _close(1000)
        report = engine.clear_period(period_id)
    assert (report["total_coins"], report["paid_cents"]) == (5000, 300)
    credits = [balances(u)["credit"] for u in users]
    # 600/5000 x 300 = 36 to g0 and the cause 400/5000 x 300 = 24; 60 each to the others,
    # of which g1 and g2 pledged 25 % (15 each) to the cause
    assert credits == [36, 45, 45, 60, 60]
    assert cause_balance(cause.id, "credit") == 24 + 15 + 15
    assert sum(credits) + cause_balance(cause.id, "credit") == report["paid_cents"]
    assert cause_balance(cause.id, "coin") == 0
    # each pledging user's move is recorded once, with its own batch's pledge transaction
    moves = db.session.execute(sa.select(
        ClearingPledgeMove.user_id, ClearingPledgeMove.to_account_id, ClearingPledgeMove.amount)
        .order_by(ClearingPledgeMove.user_id)).all()
    assert moves == [(users[1].id, cause.credit_account_id, 15),
                     (users[2].id, cause.credit_account_id, 15)]


@pytest.mark.parametrize("phase", ["collect", "allocate", "pay"])
def test_a_run_killed_between_batches_is_finished_once_by_the_next(
        app: Any, make_user: Any, monkeypatch: Any, phase: str) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        users = _users(make_user)
        traveller.shift(timedelta(hours=1))
        period_id = _close(3333)

        def die(step: str) -> None:
            if step == f"batch:{phase}":
                raise Killed(step)

        monkeypatch.setattr(engine, "_checkpoint", die)
        with pytest.raises(Killed):
            engine.clear_period(period_id)
        assert periods.get_period(period_id).status == "ended"
        assert count("clearings") == 0
        run = db.session.get(ClearingRun, period_id)
        assert run is not None and run.batches >= 1
        # the pool is fixed from the first batch on: a late margin entry is refused
        with pytest.raises(periods.PeriodCleared):
            periods.add_margin_entry(period_id, kind="revenue", amount_cents=1, memo="late")
        db.session.rollback()

        monkeypatch.setattr(engine, "_checkpoint", lambda step: None)
        report = engine.clear_period(period_id)
    _assert_cleared_once(users, 999, report)


def test_four_concurrent_batched_clears_credit_once(app: Any, make_user: Any,
                                                   is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: concurrent writers")
    users = _users(make_user)
    period_id = _close(3333)
    barrier = threading.Barrier(4)
    results: list[Any] = [None] * 4

    def clear(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = engine.clear_period(period_id)
            except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=clear, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r == results[0] for r in results), results
    _assert_cleared_once(users, 999, results[0])


def test_a_check_in_during_a_running_clearing_does_not_wait(
        app: Any, make_user: Any, is_postgres: bool, monkeypatch: Any) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: row locks (SQLite serialises every writer)")
    from tokenmart.earning import service as earning

    users = _users(make_user)
    period_id = _close(3333)
    first, later = users[0], users[5]  # collected in the first batch; in a batch to come
    done: dict[int, float] = {}

    def check_in(user_id: int) -> None:
        with app.app_context():
            started = time.monotonic()
            earning.check_in(user_id)
            db.session.commit()
            done[user_id] = time.monotonic() - started
            db.session.remove()

    def during(step: str) -> None:
        if step == "batch:collect" and not done:  # the clearing is running: mid-collect
            workers = [threading.Thread(target=check_in, args=(u.id,)) for u in (first, later)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(timeout=10)  # the one-transaction clearing would hold them here

    monkeypatch.setattr(engine, "_checkpoint", during)
    report = engine.clear_period(period_id)
    assert set(done) == {first.id, later.id}, "a check-in waited for the clearing"
    assert max(done.values()) < 10
    assert report["total_coins"] == sum(HOLDINGS)  # the check-ins' coins came after the end
    for user in (first, later):
        assert balances(user)["coin"] > 0  # and they stay for the next period


def test_kill_9_between_batches_then_the_next_run_finishes_once(
        app: Any, make_user: Any, is_postgres: bool, database_url: str, tmp_path: Path) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: a second process on the same database")
    users = [SimpleNamespace(id=user.id) for user in _users(make_user)]
    period_id = _close(3333)
    db.session.close()  # the child process writes; hold nothing open
    env = {**os.environ, "TOKENMART_ENV": "development", "TOKENMART_AUTO_UPGRADE": "0",
           "TOKENMART_DATABASE_URL": database_url, "TOKENMART_CLEARING_BATCH_SIZE": str(BATCH),
           "TOKENMART_CLEARING_BATCH_PAUSE_MS": "300"}
    flask = str(Path(sys.executable).parent / "flask")
    with (tmp_path / "clear.log").open("w") as log:
        proc = subprocess.Popen([flask, "--app", "wsgi", "periods", "clear", str(period_id)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            run = db.session.execute(sa.select(ClearingRun.phase, ClearingRun.batches)
                                     .where(ClearingRun.period_id == period_id)).first()
            db.session.rollback()
            if run is not None and run.batches >= 2:
                break
            assert proc.poll() is None, (tmp_path / "clear.log").read_text()
            assert time.monotonic() < deadline, "the clearing never committed a batch"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert run.phase != "done"
    assert periods.get_period(period_id).status == "ended"
    db.session.rollback()
    report = engine.clear_period(period_id)
    _assert_cleared_once(users, 999, report)


def test_an_admin_click_starts_a_batched_clearing_and_the_job_finishes_it(
        app: Any, client: Any, admin: Any, make_user: Any) -> None:
    """A web request never runs a batched clearing for minutes (a worker timeout would
    kill it): the click fixes the pool and returns; the scheduler's job finishes it."""
    from jobs.clearing import JOBS, resume_runs
    from tests.clearing.helpers import sign_in

    users = _users(make_user)
    period_id = _close(3333)
    sign_in(client, "admin")
    resp = client.post(f"/admin/periods/{period_id}/clear", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert f"Period #{period_id} is clearing in batches of 2 people" in page
    assert 'data-testid="clearing-run"' in page and "collecting coins" in page
    assert periods.get_period(period_id).status == "ended"
    assert count("clearing_ledger_transactions") == 0  # nothing moved yet
    run = db.session.get(ClearingRun, period_id)
    assert (run.phase, run.batches, run.pool_cents) == ("collect", 0, 999)
    db.session.rollback()
    zh = client.get(f"/admin/periods/{period_id}?lang=zh_Hans").get_data(as_text=True)
    assert "分批结算中（收取金币）" in zh
    # the every-minute job carries it on to the end, once
    assert [j.trigger_args for j in JOBS if j.id == "clearing.resume_runs"] == [{"minute": "*"}]
    assert resume_runs() == [period_id]
    _assert_cleared_once(users, 999, engine.clear_period(period_id))
    assert resume_runs() == []
    done = client.get(f"/admin/periods/{period_id}").get_data(as_text=True)
    assert 'data-testid="clearing-run"' not in done and 'data-testid="paid"' in done


def test_the_api_answers_202_while_a_batched_clearing_runs_then_the_report(
        app: Any, api: Any, admin: Any, make_user: Any) -> None:
    users = _users(make_user)
    period_id = _close(3333)
    client = api(admin)
    started = client.post(f"/api/v1/admin/periods/{period_id}/clear")
    assert started.status_code == 202
    body = started.get_json()
    assert body["status"] == "ended" and body["paid_cents"] is None and body["pool_cents"] == 999
    assert body["clearing_run"]["phase"] == "collect" and body["clearing_run"]["batches"] == 0
    again = client.post(f"/api/v1/admin/periods/{period_id}/clear")  # no second run
    assert again.status_code == 202 and count("clearing_runs") == 1
    assert engine.resume_started_clearings() == [period_id]
    done = client.post(f"/api/v1/admin/periods/{period_id}/clear")
    assert done.status_code == 200 and "clearing_run" not in done.get_json()
    _assert_cleared_once(users, 999, done.get_json())


def test_a_small_clearing_still_runs_at_once_from_the_click(
        app: Any, api: Any, admin: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=1000)
    period_id = _close(1000)
    resp = api(admin).post(f"/api/v1/admin/periods/{period_id}/clear")
    assert resp.status_code == 200 and resp.get_json()["status"] == "cleared"
    assert balances(ann)["credit"] == 100 and count("clearing_runs") == 0


def test_the_admin_period_page_shows_a_run_in_progress(
        app: Any, client: Any, admin: Any, make_user: Any, monkeypatch: Any) -> None:
    from tests.clearing.helpers import sign_in

    _users(make_user)
    period_id = _close(3333)

    def die(step: str) -> None:
        if step == "batch:collect":
            raise Killed(step)

    monkeypatch.setattr(engine, "_checkpoint", die)
    with pytest.raises(Killed):
        engine.clear_period(period_id)
    sign_in(client, "admin")
    page = client.get(f"/admin/periods/{period_id}").get_data(as_text=True)
    assert 'data-testid="clearing-run"' in page and "1 committed so far" in page
    assert 'data-testid="margin-form"' not in page  # the margin is final once it started
    assert 'data-testid="clear"' not in page  # the job carries it on; a click adds nothing
