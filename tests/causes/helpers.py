"""Shared steps for the causes' tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tokenmart.extensions import db


def make_cause(name: str = "Clean rivers", *, goal_coins: int | None = 1000,
               starts_at: datetime | None = None, ends_at: datetime | None = None) -> Any:
    from tokenmart.causes import causes_service

    cause = causes_service.create_cause(None, {"name": name, "description": "Help us",
                                               "goal_coins": goal_coins, "starts_at": starts_at,
                                               "ends_at": ends_at})
    db.session.commit()
    return cause


def cause_balance(cause_id: int, currency: str) -> int:
    from tokenmart.causes.causes_service import account_code
    from tokenmart.ledger.service import system_balance

    return system_balance(account_code(cause_id), currency)


def count(table: str, where: str = "1=1") -> int:
    return int(db.session.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one())  # noqa: S608


def put(api_client: Any, path: str, json: Any) -> Any:
    """PUT with the ApiClient's bearer token (the shared client has no put helper)."""
    return api_client.client.put(path, json=json, headers=api_client._headers(None, None))  # noqa: SLF001
