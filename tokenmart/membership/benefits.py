"""The benefit rules, each in one place: which cards count, the earning multiplier, the
member price and the member day.

- Only active memberships whose end has not passed count: an ended card stops at once,
  even before the nightly job marks it ended.
- With several cards the best single benefit of each kind applies, never a sum.
- On the card's member day (its ISO weekday in local time) its multiplier applies twice
  and its member price takes a second discount. The weekday is always that of the day
  asked about (`weekday_of`): a promise for tomorrow must not carry today's member day.
Reading a user's cards is one indexed query (memberships by user and status), so the
mall's redemption hot path pays one statement for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tokenmart.core import rawsql
from tokenmart.core.clock import app_timezone, utcnow


@dataclass(frozen=True)
class ActiveCard:
    membership_id: int
    card_id: int
    kind: str
    term: int
    earn_multiplier_percent: int | None
    member_discount_percent: int | None
    member_day: int | None


#: which memberships count at `:now` (over `m`); the one place of the rule in SQL
_COUNTS = "m.status = 'active' AND (m.ends_at IS NULL OR m.ends_at > :now)"
_ACTIVE_CARDS = rawsql.SQL(f"""
    SELECT m.id, m.card_id, c.kind, m.term, c.earn_multiplier_percent,
           c.member_discount_percent, c.member_day
    FROM memberships m JOIN card_programs c ON c.id = m.card_id
    WHERE m.user_id = :user_id AND {_COUNTS}
    ORDER BY m.id""")  # noqa: S608 - constants only
#: "the user row `u` holds a card that counts": read with the caller's bearer token
#: (accounts.service.CALLER_FACTS), so a caller without one skips `active_cards`
HOLDS_ACTIVE_CARD = f"EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND {_COUNTS})"  # noqa: S608


def active_cards(user_id: int, now: datetime | None = None) -> list[ActiveCard]:
    """The user's cards giving benefits at `now` (one query)."""
    rows = rawsql.fetchall(_ACTIVE_CARDS, {"user_id": user_id,
                                           "now": rawsql.db_datetime(now or utcnow())})
    return [ActiveCard(*row) for row in rows]


def weekday_of(day: date) -> int:
    """ISO weekday (1 = Monday) of a local calendar day: the one rule a member day is
    matched with, whether the day is today or one being promised."""
    return day.isoweekday()


def local_weekday(now: datetime | None = None) -> int:
    """ISO weekday (1 = Monday) of `now` in the app's timezone: `weekday_of` its local day
    (read off the datetime itself, as the mall's redemption hot path calls this)."""
    return (now or utcnow()).astimezone(app_timezone()).isoweekday()


def is_member_day(card: ActiveCard, weekday: int) -> bool:
    """Whether `weekday` (ISO, local) is the card's member day."""
    return card.member_day is not None and card.member_day == weekday


def card_multiplier(percent: int, member_day: bool) -> tuple[int, int]:
    """A card's multiplier as a fraction: 150% -> 150/100, on its member day 150*150/100^2."""
    return (percent * percent, 10000) if member_day else (percent, 100)


def best_multiplier(cards: list[ActiveCard], weekday: int) -> tuple[int, int]:
    """The best single card multiplier as (numerator, denominator); (1, 1) without one."""
    best = (1, 1)
    for card in cards:
        if card.earn_multiplier_percent:
            num, den = card_multiplier(card.earn_multiplier_percent, is_member_day(card, weekday))
            if num * best[1] > best[0] * den:
                best = (num, den)
    return best


def apply_card_multiplier(coins: int, cards: list[ActiveCard], weekday: int) -> int:
    """Task coins after the tier multiplier, times the best card's, rounded down."""
    num, den = best_multiplier(cards, weekday)
    return coins * num // den


def discounted(price: int, percent: int, member_day: bool) -> int:
    """`percent` off, rounded down, never below 1; on the member day the discount twice."""
    price = max(1, price * (100 - percent) // 100)
    if member_day:
        price = max(1, price * (100 - percent) // 100)
    return price


def best_price(price: int, cards: list[ActiveCard], weekday: int) -> tuple[int, ActiveCard | None]:
    """The lowest member price of the user's cards for a tier price, and the card giving it."""
    best, chosen = price, None
    for card in cards:
        if card.member_discount_percent:
            candidate = discounted(price, card.member_discount_percent,
                                   is_member_day(card, weekday))
            if candidate < best:
                best, chosen = candidate, card
    return best, chosen
