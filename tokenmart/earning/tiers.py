"""Tiers: member/silver/gold/platinum by task coins earned in a trailing window.

The tier lives in `users.tier`; it is recomputed after every earning this domain pays
(so crossing a threshold takes effect at once) and nightly for everyone (so old
earnings age out). Other domains paying task coins call `recompute_tier(user_id)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app

from tokenmart.core.clock import local_today, utcnow
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry, LedgerTransaction
from tokenmart.notifications import service as notifications

#: ledger kinds whose coin credits count as "earned" (tiers and the leaderboard)
EARNING_KINDS: set[str] = {"checkin", "share", "assist"}


def register_earning_kind(kind: str) -> None:
    """Count coins credited by transactions of `kind` as earned."""
    EARNING_KINDS.add(kind)


def thresholds() -> list[tuple[str, int]]:
    """(tier, coins needed), lowest first."""
    return sorted(current_app.config["EARNING_TIER_THRESHOLDS"].items(), key=lambda kv: kv[1])


def multiplier(tier: str) -> Decimal:
    return Decimal(str(current_app.config["EARNING_TIER_MULTIPLIERS"].get(tier, 1)))


#: extra multipliers after the tier's (membership cards register one at import): each
#: provider(user_id, day) gives (numerator, denominator) for coins paid on local `day`,
#: applied in turn and rounded down
MULTIPLIER_PROVIDERS: list[Callable[[int, date], tuple[int, int]]] = []


def apply_multiplier(base: int, tier: str, user_id: int | None = None,
                     day: date | None = None) -> int:
    """Task coins for a user of `tier`, rounded down (5 coins x 1.1 = 5); with `user_id`,
    then times each registered provider's multiplier (a card's), rounded down again.

    `day` is the local day the coins are paid on (today when omitted). A provider's
    multiplier may depend on it (a card's member day), so a promise for another day, such
    as what tomorrow's check-in pays, asks for that day rather than reusing today's.
    """
    coins = int((Decimal(base) * multiplier(tier)).to_integral_value(rounding=ROUND_FLOOR))
    if user_id is not None:
        on = day or local_today()
        for provider in MULTIPLIER_PROVIDERS:
            num, den = provider(user_id, on)
            coins = coins * num // den
    return coins


def tier_for(coins: int) -> str:
    current = thresholds()[0][0]
    for name, needed in thresholds():
        if coins >= needed:
            current = name
    return current


def _earned_query(since: datetime) -> sa.Select[Any]:
    return (
        sa.select(Account.user_id, sa.func.coalesce(sa.func.sum(Entry.amount), 0).label("coins"))
        .join(Account, Account.id == Entry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Entry.transaction_id)
        .where(
            Account.user_id.is_not(None),
            Entry.currency == "coin",
            Entry.amount > 0,
            Entry.created_at >= since,
            LedgerTransaction.kind.in_(sorted(EARNING_KINDS)),
        )
        .group_by(Account.user_id)
    )


def window_start(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=int(current_app.config["EARNING_TIER_WINDOW_DAYS"]))


def coins_earned(user_id: int, now: datetime | None = None) -> int:
    """Task coins the user earned in the trailing tier window."""
    row = db.session.execute(
        _earned_query(window_start(now)).where(Account.user_id == user_id)
    ).first()
    return int(row.coins) if row else 0


def _set_tier(user_id: int, tier: str) -> bool:
    from tokenmart.accounts.models import User

    changed = db.session.execute(
        sa.update(User).where(User.id == user_id, User.tier != tier).values(tier=tier)
    ).rowcount
    if changed:
        notifications.notify(user_id, "tier", {"tier": tier}, link="/me")
    return bool(changed)


def recompute_tier(user_id: int, now: datetime | None = None) -> str:
    """Set the user's tier from their trailing earnings; returns it (notifies on change)."""
    tier = tier_for(coins_earned(user_id, now))
    _set_tier(user_id, tier)
    return tier


def recompute_all_tiers(now: datetime | None = None) -> int:
    """Recompute every user's tier (the nightly job); returns how many changed. Idempotent."""
    from tokenmart.accounts.models import User

    earned = {
        uid: int(coins) for uid, coins in db.session.execute(_earned_query(window_start(now)))
    }
    changed = 0
    for uid, tier in db.session.execute(sa.select(User.id, User.tier)).all():
        new = tier_for(earned.get(uid, 0))
        if new != tier and _set_tier(uid, new):
            changed += 1
    db.session.flush()
    return changed


def tier_progress(user_id: int, tier: str) -> dict[str, Any]:
    """What the profile shows: tier, coins earned in the window, and the next tier."""
    earned = coins_earned(user_id)
    levels = thresholds()
    names = [name for name, _ in levels]
    index = names.index(tier) if tier in names else 0
    result: dict[str, Any] = {
        "tier": tier,
        "coins_earned": earned,
        "window_days": int(current_app.config["EARNING_TIER_WINDOW_DAYS"]),
        "multiplier": str(multiplier(tier)),
        "next_tier": None,
        "next_threshold": None,
        "remaining": 0,
        "percent": 100,
    }
    if index + 1 < len(levels):
        next_name, needed = levels[index + 1]
        base = levels[index][1]
        span = max(1, needed - base)
        result.update(
            next_tier=next_name,
            next_threshold=needed,
            remaining=max(0, needed - earned),
            percent=max(0, min(100, (earned - base) * 100 // span)),
        )
    return result


def _render_tier(params: dict[str, Any]) -> str:
    from flask_babel import gettext as _

    return _("Your tier is now %(tier)s.", tier=tier_label(params.get("tier", "")))


def tier_label(tier: str) -> str:
    """The tier's name in the reader's language (one mapping: tokenmart.earning.labels.TIER)."""
    from tokenmart.core.labels import label

    return label(tier, "tier")


notifications.register_renderer("tier", _render_tier)
