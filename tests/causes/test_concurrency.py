"""Races with real threads against the real services: concurrent donations from one
balance never overdraw it; concurrent payouts never overdraw a cause; one effect per key."""

from __future__ import annotations

from typing import Any

from tests.causes.helpers import cause_balance, count, make_cause
from tests.clearing.helpers import balances
from tests.clearing.test_concurrency import _race
from tests.conftest import new_key
from tokenmart.causes import causes_service, giving_service, payouts_service
from tokenmart.extensions import db


def test_concurrent_donations_never_drive_a_balance_negative(app: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=100)
    cause = make_cause()
    ann_id, cause_id = ann.id, cause.id  # ids, not ORM objects, cross into the threads
    db.session.rollback()

    def give(_i: int) -> int:
        donation = giving_service.donate(ann_id, cause_id, "coin", 30)
        db.session.commit()
        return donation.id

    results = _race(app, 8, give)
    codes = sorted(getattr(r, "code", "ok") for r in results)
    assert codes == ["insufficient_balance"] * 5 + ["ok"] * 3
    assert balances(ann_id)["coin"] == 10
    assert cause_balance(cause_id, "coin") == 90
    assert count("cause_donations") == 3


def test_concurrent_payouts_never_overdraw_a_cause(app: Any) -> None:
    from tokenmart.ledger import service as ledger

    cause = make_cause()
    cause_id = cause.id
    ledger.transfer("adjustment", "credit", 1000, ledger.MINT,
                    ledger.system(causes_service.account_code(cause_id)), notify=False)
    db.session.commit()

    def pay(i: int) -> int:
        payout = payouts_service.record_payout(None, cause_id, 400, f"REF-{i}")
        db.session.commit()
        return payout.id

    results = _race(app, 6, pay)
    assert sorted(getattr(r, "code", "ok") for r in results) == (
        ["insufficient_balance"] * 4 + ["ok"] * 2)
    assert cause_balance(cause_id, "credit") == 200


def test_concurrent_replays_of_one_key_give_once(app: Any, make_user: Any, token_for: Any) -> None:
    ann = make_user("ann", coin=100)
    cause = make_cause()
    token, cause_id, key = token_for(ann), cause.id, new_key()
    db.session.rollback()

    def give(_i: int) -> Any:
        with app.test_client() as client:
            resp = client.post(f"/api/v1/causes/{cause_id}/donations",
                               json={"currency": "coin", "amount": 25},
                               headers={"Authorization": f"Bearer {token}",
                                        "Idempotency-Key": key})
            return resp.status_code, resp.get_json()

    results = _race(app, 4, give)
    statuses = [r[0] if isinstance(r, tuple) else r for r in results]
    assert all(s in (201, 409) for s in statuses), results
    bodies = [r[1] for r in results if isinstance(r, tuple) and r[0] == 201]
    assert bodies and all(b == bodies[0] for b in bodies)
    assert balances(ann.id)["coin"] == 75 and count("cause_donations") == 1
