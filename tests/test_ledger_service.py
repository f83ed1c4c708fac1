"""Ledger rules at the service level: balance, non-negativity, idempotency, immutability."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError, IntegrityError

from tokenmart.errors import InsufficientBalance
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.ledger.models import Account, Entry, LedgerTransaction
from tokenmart.ledger.verify import verify


def test_transfer_moves_value_and_records_balanced_entries(make_user: Any) -> None:
    alice, bob = make_user("alice", flower=10), make_user("bob")
    posted = ledger.transfer("adjustment", "flower", 4, ledger.user(alice.id), ledger.user(bob.id))
    db.session.commit()
    assert posted.created and posted.balances == {(alice.id, "flower"): 6, (bob.id, "flower"): 4}
    entries = db.session.execute(
        sa.select(Entry.amount, Entry.balance_after).where(Entry.transaction_id == posted.transaction_id)
        .order_by(Entry.amount)
    ).all()
    assert [tuple(e) for e in entries] == [(-4, 6), (4, 4)]
    assert verify() == []


def test_overspend_is_refused_and_changes_nothing(make_user: Any) -> None:
    alice = make_user("alice", flower=3)
    before = db.session.execute(sa.select(sa.func.count()).select_from(LedgerTransaction)).scalar()
    with pytest.raises(InsufficientBalance) as err:
        ledger.transfer("redemption", "flower", 4, ledger.user(alice.id), ledger.BURN)
    assert err.value.code == "insufficient_balance" and err.value.status == 409
    db.session.commit()
    assert ledger.balances_of(alice.id)["flower"] == 3
    after = db.session.execute(sa.select(sa.func.count()).select_from(LedgerTransaction)).scalar()
    assert after == before


def test_multi_leg_failure_applies_nothing(make_user: Any) -> None:
    alice, bob = make_user("alice", flower=10), make_user("bob", coin=1)
    legs = [
        ledger.Leg(ledger.user(alice.id), "flower", -5), ledger.Leg(ledger.BURN, "flower", 5),
        ledger.Leg(ledger.user(bob.id), "coin", -2), ledger.Leg(ledger.BURN, "coin", 2),
    ]
    with pytest.raises(InsufficientBalance):
        ledger.post("redemption", legs)
    db.session.commit()
    assert ledger.balances_of(alice.id)["flower"] == 10
    assert ledger.balances_of(bob.id)["coin"] == 1


@pytest.mark.parametrize("legs", [
    [ledger.Leg(ledger.MINT, "coin", -5), ledger.Leg(ledger.BURN, "coin", 4)],
    [ledger.Leg(ledger.MINT, "coin", -5)],
    [ledger.Leg(ledger.MINT, "coin", 0), ledger.Leg(ledger.BURN, "coin", 0)],
    [ledger.Leg(ledger.MINT, "coin", -1.5), ledger.Leg(ledger.BURN, "coin", 1.5)],  # type: ignore[arg-type]
    [ledger.Leg(ledger.MINT, "gold", -1), ledger.Leg(ledger.BURN, "gold", 1)],
    [ledger.Leg(ledger.MINT, "coin", -1), ledger.Leg(ledger.BURN, "flower", 1)],
])
def test_unbalanced_or_invalid_legs_are_rejected(app: Any, legs: list[Any]) -> None:
    with pytest.raises(ValueError):
        ledger.post("adjustment", legs)


def test_idempotency_key_applies_once(make_user: Any) -> None:
    alice = make_user("alice")
    first = ledger.transfer("checkin", "coin", 5, ledger.MINT, ledger.user(alice.id),
                            idempotency_key="checkin:1:2026-11-22")
    second = ledger.transfer("checkin", "coin", 5, ledger.MINT, ledger.user(alice.id),
                             idempotency_key="checkin:1:2026-11-22")
    db.session.commit()
    assert first.created and not second.created
    assert second.transaction_id == first.transaction_id
    assert ledger.balances_of(alice.id)["coin"] == 5


def test_database_refuses_negative_user_balance_even_without_the_service(make_user: Any) -> None:
    alice = make_user("alice", flower=1)
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(Account).where(Account.user_id == alice.id, Account.currency == "flower")
            .values(balance=-1)
        )
    db.session.rollback()


def test_entries_and_transactions_are_immutable(make_user: Any) -> None:
    make_user("alice", flower=1)
    for stmt in (sa.update(Entry).values(amount=100), sa.delete(Entry),
                 sa.update(LedgerTransaction).values(kind="x"), sa.delete(LedgerTransaction)):
        with pytest.raises(DatabaseError):
            db.session.execute(stmt)
        db.session.rollback()


def test_each_user_leg_creates_a_notification(make_user: Any) -> None:
    from tokenmart.notifications import service as notifications
    from tokenmart.notifications.models import Notification

    alice, bob = make_user("alice", flower=10), make_user("bob")
    ledger.transfer("adjustment", "flower", 3, ledger.user(alice.id), ledger.user(bob.id), memo="gift")
    db.session.commit()
    texts = {n.user_id: notifications.render(n) for n in db.session.execute(
        sa.select(Notification)).scalars()}
    assert texts[bob.id] == "+3 little red flowers: Adjustment by an admin: gift"
    assert texts[alice.id] == "-3 little red flowers: Adjustment by an admin: gift"


def test_verify_names_each_broken_invariant(make_user: Any) -> None:
    alice = make_user("alice", flower=5)
    account_id = db.session.execute(
        sa.select(Account.id).where(Account.user_id == alice.id, Account.currency == "flower")
    ).scalar_one()
    txn = db.session.execute(sa.insert(LedgerTransaction).values(kind="bogus", memo="", details={},
                             created_at=ledger.utcnow()).returning(LedgerTransaction.id)).scalar_one()
    db.session.execute(sa.insert(Entry).values(transaction_id=txn, account_id=account_id,
                       currency="flower", amount=7, created_at=ledger.utcnow()))
    codes = {p.code for p in verify()}
    assert codes == {"unbalanced_transaction", "too_few_entries", "cached_balance_mismatch"}
    db.session.rollback()
    assert verify() == []


def test_system_account_balance_is_sum_of_entries(make_user: Any) -> None:
    alice = make_user("alice", coin=10)
    ledger.transfer("redemption", "coin", 4, ledger.user(alice.id), ledger.BURN)
    db.session.commit()
    assert ledger.system_balance("burn", "coin") == 4
    assert ledger.system_balance("mint", "coin") == -10


def test_a_system_account_created_in_a_rolled_back_savepoint_is_not_remembered(
        make_user: Any) -> None:
    alice = make_user("alice", flower=10)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        ledger.transfer("escrow", "flower", 3, ledger.user(alice.id), ledger.system("vault"))
        raise RuntimeError("the use case failed after the account was created")
    db.session.commit()
    ledger.transfer("escrow", "flower", 3, ledger.user(alice.id), ledger.system("vault"))
    db.session.commit()
    assert ledger.system_balance("vault", "flower") == 3
    ledger.clear_caches()
    ledger.transfer("escrow", "flower", 2, ledger.user(alice.id), ledger.system("vault"))
    db.session.commit()
    assert ledger.system_balance("vault", "flower") == 5
