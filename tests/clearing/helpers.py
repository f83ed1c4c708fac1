"""Shared steps for the clearing tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from tokenmart.extensions import db

#: a fixed instant: 2026-11-20 10:00 in Asia/Shanghai
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def earn(user: Any, coins: int, memo: str = "test earning") -> None:
    from tokenmart.ledger import service as ledger

    ledger.transfer("adjustment", "coin", coins, ledger.MINT, ledger.user(user.id), memo=memo,
                    notify=False)
    db.session.commit()


def balances(user: Any) -> dict[str, int]:
    from tokenmart.ledger.service import balances_of

    return balances_of(user if isinstance(user, int) else user.id)


def count(table: str, where: str = "1=1") -> int:
    return int(db.session.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one())  # noqa: S608


#: a payout destination as a person types it (spaces in the phone number)
ALIPAY = {"payout_method": "alipay", "payout_account_name": "Ann Lee",
          "payout_account": "138 0013 8000"}


def sign_in(client: Any, username: str) -> None:
    from tests.conftest import PASSWORD

    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302
