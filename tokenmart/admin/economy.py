"""Economy figures straight from the ledger, so they reconcile with `ledger verify`.

Per currency and per period window:
  issued       what left the issuing system accounts in the window (`mint`; credits
               also come from the clearing's funding account)
  burned       what reached the accounts tokens never come back from in the window
               (`burn`; coins also go to the clearing pool, credits to "paid out")
  outstanding  users' balances at the window's end (so: everything from earlier windows too)
  escrow       held for someone else at the window's end: every account HELD_FOR names
               (open swaps, cash-outs waiting for review, light-card fees, causes' gifts)
plus earnings by kind, redemptions and active users. All time, what was issued is used
up, in wallets, held, or kept by the platform in its own accounts (`kept`, the rest), and
the held amount is broken down by what holds it (`held`). Domains that move value
through their own system accounts add them through ACCOUNT_PROVIDERS (admin.integrations
does it for clearing), so a currency never shows "issued 0" beside a positive balance.
Windows are the clearing periods when that domain provides them, else local days.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tokenmart.core.clock import local_day_bounds, local_today, utcnow
from tokenmart.extensions import db
from tokenmart.ledger.models import CURRENCIES, Account, Entry, LedgerTransaction

Window = tuple[str, datetime, datetime]
#: the system accounts every currency is created from / disappears into
BASE_ACCOUNTS = {"issued": "mint", "burned": "burn"}
#: The one rule for "held": system accounts whose value belongs to someone other than the
#: platform while it sits there, by what holds it. A code ending in ":" is a prefix (one
#: account per owner). The codes are the owning domains' own: barter.models.ESCROW_ACCOUNT,
#: clearing.cashouts.PENDING, membership.models.HOLD_ACCOUNT, causes account_code();
#: tests/admin/test_economy_held.py holds them to those. Any other system account that
#: is not an issuer or a sink is the platform's own (e.g. "membership_revenue"): "kept".
HELD_FOR: dict[str, tuple[str, ...]] = {
    "swaps": ("escrow",),  # a swap's price until it completes or is refunded
    "cashouts": ("payouts_pending",),  # a requested cash-out until approved or rejected
    "light_cards": ("membership_holds",),  # a light card's fee until its term settles
    "causes": ("cause:",),  # gifts and pledges until paid to the cause's organisation
}
#: where an ACCOUNT_PROVIDERS "escrow" account HELD_FOR does not name is counted
OTHER_HOLDER = "other"
#: () -> (figure, currency, system account code) rows a domain adds, e.g. clearing's
#: ("issued", "credit", "payout_funding"); read at query time, so import order is free.
#: An "escrow" row counts as held (under OTHER_HOLDER unless HELD_FOR names the code).
ACCOUNT_PROVIDERS: list[Callable[[], Iterable[tuple[str, str, str]]]] = []
#: a clearing period's window label ("#12 2026-12-05", admin.integrations.period_windows)
_PERIOD_NUMBER = re.compile(r"^#(\d+)\b")
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
    #: currency -> what holds it (a HELD_FOR key) -> amount, at the window's end
    held: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def number(self) -> int | None:
        """The clearing period's number, or None for a plain day: after an early close two
        periods share a day, and only the number (with the times) tells them apart."""
        found = _PERIOD_NUMBER.match(self.label)
        return int(found.group(1)) if found else None

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
    """The system account codes behind one flow ("issued", "burned"); "escrow" is
    `held_accounts()`, since what is held is kept apart by what holds it."""
    codes = [BASE_ACCOUNTS[figure]] if figure in BASE_ACCOUNTS else []
    for provider in ACCOUNT_PROVIDERS:
        codes += [code for fig, cur, code in provider()
                  if fig == figure and cur == currency and code not in codes]
    return codes


def held_accounts() -> dict[str, tuple[str, ...]]:
    """What holds value for someone else -> its account codes (prefixes end in ":"):
    HELD_FOR, plus any "escrow" account a provider adds that HELD_FOR does not name."""
    rules = dict(HELD_FOR)
    named = {code for codes in HELD_FOR.values() for code in codes}
    extra = sorted({code for provider in ACCOUNT_PROVIDERS for fig, _cur, code in provider()
                    if fig == "escrow" and code not in named})
    if extra:
        rules[OTHER_HOLDER] = tuple(extra)
    return rules


def holder_of(code: str, rules: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """Which HELD_FOR entry an account code belongs to; None for the platform's own,
    issuers and sinks."""
    for holder, codes in (held_accounts() if rules is None else rules).items():
        if any(code.startswith(c) if c.endswith(":") else code == c for c in codes):
            return holder
    return None


def _held(end: datetime) -> dict[str, dict[str, int]]:
    """currency -> holder -> what the held accounts hold at `end` (every currency, every
    holder, zeros included, so pages list the same rows every time)."""
    rules = held_accounts()
    matches = [Account.system_code.startswith(code, autoescape=True) if code.endswith(":")
               else Account.system_code == code
               for codes in rules.values() for code in codes]
    result = {cur: dict.fromkeys(rules, 0) for cur in CURRENCIES}
    rows = db.session.execute(
        sa.select(Account.system_code, Entry.currency, sa.func.sum(Entry.amount))
        .join(Account, Account.id == Entry.account_id)
        .where(sa.or_(*matches), Entry.created_at < end)
        .group_by(Account.system_code, Entry.currency)
    ).all()
    for code, currency, total in rows:
        holder = holder_of(code, rules)
        if holder is not None and currency in result:
            result[currency][holder] += int(total)
    return result


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
    result = WindowFigures(label=label, starts_at=start, ends_at=end, held=_held(end))
    for currency in CURRENCIES:
        result.currencies[currency] = CurrencyFigures(
            issued=-_system_sum(system_accounts("issued", currency), currency, start, end),
            burned=_system_sum(system_accounts("burned", currency), currency, start, end),
            outstanding=_outstanding(currency, end),
            escrow=sum(result.held[currency].values()),
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


def _all_time() -> WindowFigures:
    return figures_for("all", datetime(2000, 1, 1, tzinfo=utcnow().tzinfo),
                       utcnow() + timedelta(seconds=1))


def totals() -> dict[str, CurrencyFigures]:
    """All-time figures up to now; outstanding equals the sum of cached user balances."""
    return _all_time().currencies


def kept(figures: CurrencyFigures) -> int:
    """What the platform keeps in its own accounts: issued, less what is used up, in
    wallets and held for someone. Every ledger transaction sums to zero, so this is
    exactly the balance of the system accounts that are neither issuers, sinks nor held."""
    return figures.issued - figures.burned - figures.outstanding - figures.escrow


def dashboard(count: int = 14) -> dict[str, Any]:
    """All-time totals (with `held` by holder and `kept` per currency, so the all-time
    figures add up) and the figures of the last `count` windows, oldest first."""
    everything = _all_time()
    return {
        "totals": everything.currencies,
        "held": everything.held,
        "kept": {cur: kept(f) for cur, f in everything.currencies.items()},
        "windows": [figures_for(*w) for w in windows(count)],
    }
