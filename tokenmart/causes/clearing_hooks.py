"""How causes take part in the period clearing (registered with the clearing engine).

- Holders: every cause's coin account is cleared like a user's coin account; its share
  becomes credits in the cause's credit account (later paid out to the organisation).
- Pledges: a user's pledge of `percent` of their period credit moves that share of the
  clearing's fresh credit (rounded down to the cent) to the cause, in the same database
  transaction. A pledge counts when its cause was open at some time in the period
  (not closed before the period began, started before it ended, not ended before it began).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.causes.models import Cause, Pledge
from tokenmart.clearing import engine
from tokenmart.clearing.models import Period


def cause_holders() -> sa.Select[Any]:
    """(holder_id, coin_account_id, credit_account_id) of every cause."""
    return sa.select(Cause.id.label("holder_id"), Cause.coin_account_id,
                     Cause.credit_account_id).where(Cause.coin_account_id.is_not(None),
                                                    Cause.credit_account_id.is_not(None))


def cause_pledges(period: Period) -> sa.Select[Any]:
    """(user_id, to_account_id, percent) of the pledges that apply to `period`."""
    return (
        sa.select(Pledge.user_id, Cause.credit_account_id.label("to_account_id"), Pledge.percent)
        .join(Cause, Cause.id == Pledge.cause_id)
        .where(Cause.credit_account_id.is_not(None),
               sa.or_(Cause.closed_at.is_(None), Cause.closed_at > period.starts_at),
               sa.or_(Cause.starts_at.is_(None), Cause.starts_at < period.ends_at),
               sa.or_(Cause.ends_at.is_(None), Cause.ends_at > period.starts_at))
    )


if cause_holders not in engine.HOLDER_SOURCES:
    engine.HOLDER_SOURCES.append(cause_holders)
if cause_pledges not in engine.PLEDGE_SOURCES:
    engine.PLEDGE_SOURCES.append(cause_pledges)
