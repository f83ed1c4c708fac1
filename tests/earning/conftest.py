"""Earning fixtures: local times, a fake share target kind, counting helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """An aware datetime at local (Asia/Shanghai, the default timezone) wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def fake_target(app: Any) -> Iterator[str]:
    """A share target kind "thing" whose ids 1..50 exist and live at /things/<id>."""
    from tokenmart.earning.targets import register_share_target, unregister_share_target

    register_share_target("thing", lambda i: f"/things/{i}", lambda i: 1 <= i <= 50)
    yield "thing"
    unregister_share_target("thing")


def count_rows(model: Any, *where: Any) -> int:
    from tokenmart.extensions import db

    return int(db.session.execute(
        sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one())


def transactions_of(kind: str) -> list[Any]:
    from tokenmart.extensions import db
    from tokenmart.ledger.models import LedgerTransaction

    return list(db.session.execute(
        sa.select(LedgerTransaction).where(LedgerTransaction.kind == kind)
        .order_by(LedgerTransaction.id)).scalars())


def balances(user: Any) -> dict[str, int]:
    from tokenmart.ledger.service import balances_of

    return balances_of(user.id)
