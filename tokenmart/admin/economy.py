"""Economy figures straight from the ledger, so they reconcile with `ledger verify`.

Per currency and per period window:
  issued       what left the issuing system accounts in the window (`mint`; credits
               also come from the clearing's funding account)
  burned       what reached the accounts tokens never come back from in the window
               (`burn`; coins also go to the clearing pool, credits to "paid out")
  outstanding  users' balances at the window's end (so: everything from earlier windows too)
  escrow       held at the window's end (`escrow`; credits also wait in pending cash-outs)
plus earnings by kind, redemptions and active users. Domains that move value through
their own system accounts add them through ACCOUNT_PROVIDERS (admin.integrations does
it for clearing), so a currency never shows "issued 0" beside a positive balance.
Windows are the clearing periods when that domain provides them, else local days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tokenmart.core.clock import local_day_bounds, local_today, utcnow
from tokenmart.extensions import db
from tokenmart.ledger.models import CURRENCIES, Account, Entry, LedgerTransaction

Window = tuple[str, datetime, datetime]
#: the system accounts every currency is created from / disappears into / is held in
BASE_ACCOUNTS = {"issued": "mint", "burned": "burn", "escrow": "escrow"}
#: () -> (figure, currency, system account code) rows a domain adds, e.g. clearing's
#: ("issued", "credit", "payout_funding"); read at query time, so import order is free
ACCOUNT_PROVIDERS: list[Callable[[], Iterable[tuple[str, str, str]]]] = []
#: set by a domain that defines periods (clearing): () -> list of (label, start, end)
period_windows_provider: Callable[[int], list[Window]] | None = None


@dataclass
class CurrencyFigures:
    issued: int = 0
    burned: int = 0
    outstanding: int = 0
    escrow: int = 0


@dataclass
class WindowFigures:
    label: str
    starts_at: datetime
    ends_at: datetime
    currencies: dict[str, CurrencyFigures] = field(default_factory=dict)
    earnings_by_kind: dict[str, int] = field(default_factory=dict)
    redemptions: int = 0
    active_users: int = 0

    def earnings(self) -> list[tuple[str, str, int]]:
        """(transaction kind, currency, total) rows of `earnings_by_kind`, for pages."""
        rows = []
        for key, total in self.earnings_by_kind.items():
            kind, _, currency = key.partition(":")
            rows.append((kind, currency, total))
        return rows


def default_windows(count: int) -> list[Window]:
    today = local_today()
    windows = []
    for back in range(count - 1, -1, -1):
        day = today - timedelta(days=back)
        start, end = local_day_bounds(day)
        windows.append((day.isoformat(), start, end))
    return windows


def windows(count: int = 14) -> list[Window]:
    if period_windows_provider is not None:
        provided = period_windows_provider(count)
        if provided:
            return provided
    return default_windows(count)


def system_accounts(figure: str, currency: str) -> list[str]:
    """The system account codes behind one figure ("issued", "burned", "escrow")."""
    codes = [BASE_ACCOUNTS[figure]]
    for provider in ACCOUNT_PROVIDERS:
        codes += [code for fig, cur, code in provider()
                  if fig == figure and cur == currency and code not in codes]
    return codes


def _system_sum(codes: list[str], currency: str, start: datetime | None, end: datetime) -> int:
    query = (
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0))
        .join(Account, Account.id == Entry.account_id)
        .where(Account.system_code.in_(codes), Entry.currency == currency,
               Entry.created_at < end)
    )
    if start is not None:
        query = query.where(Entry.created_at >= start)
    return int(db.session.execute(query).scalar_one())


def _outstanding(currency: str, end: datetime) -> int:
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0))
        .join(Account, Account.id == Entry.account_id)
        .where(Account.user_id.is_not(None), Entry.currency == currency, Entry.created_at < end)
    ).scalar_one())


def figures_for(label: str, start: datetime, end: datetime) -> WindowFigures:
    result = WindowFigures(label=label, starts_at=start, ends_at=end)
    for currency in CURRENCIES:
        result.currencies[currency] = CurrencyFigures(
            issued=-_system_sum(system_accounts("issued", currency), currency, start, end),
            burned=_system_sum(system_accounts("burned", currency), currency, start, end),
            outstanding=_outstanding(currency, end),
            escrow=_system_sum(system_accounts("escrow", currency), currency, None, end),
        )
    in_window = sa.and_(Entry.created_at >= start, Entry.created_at < end)
    rows = db.session.execute(
        sa.select(LedgerTransaction.kind, Entry.currency, sa.func.sum(Entry.amount))
        .join(Entry, Entry.transaction_id == LedgerTransaction.id)
        .join(Account, Account.id == Entry.account_id)
        .where(in_window, Account.user_id.is_not(None), Entry.amount > 0)
        .group_by(LedgerTransaction.kind, Entry.currency)
    ).all()
    result.earnings_by_kind = {f"{kind}:{cur}": int(total) for kind, cur, total in rows}
    result.redemptions = int(db.session.execute(
        sa.select(sa.func.count()).select_from(LedgerTransaction).where(
            LedgerTransaction.kind == "redemption", LedgerTransaction.created_at >= start,
            LedgerTransaction.created_at < end)
    ).scalar_one())
    result.active_users = int(db.session.execute(
        sa.select(sa.func.count(sa.distinct(Account.user_id)))
        .select_from(Entry).join(Account, Account.id == Entry.account_id)
        .where(in_window, Account.user_id.is_not(None))
    ).scalar_one())
    return result


def totals() -> dict[str, CurrencyFigures]:
    """All-time figures up to now; outstanding equals the sum of cached user balances."""
    return figures_for("all", datetime(2000, 1, 1, tzinfo=utcnow().tzinfo), utcnow() +
                       timedelta(seconds=1)).currencies


def dashboard(count: int = 14) -> dict[str, Any]:
    return {
        "totals": totals(),
        "windows": [figures_for(*w) for w in windows(count)],
    }
