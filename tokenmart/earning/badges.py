"""Badges: a table of rules, each awarded once per user, with a notification.

Other domains report events; earning decides which badges they earn:

    from tokenmart.earning.badges import award_badge_if_earned
    award_badge_if_earned(user_id, "swap")                # after a completed swap
    award_badge_if_earned(user_id, "assist", total=n)     # n = the user's assists so far

or, without importing a function, send the blinker signal
`tokenmart.earning.badges.earning_event.send(user_id, event="assist", total=n)`.
Call it inside the transaction that made the event happen (it only flushes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from blinker import Namespace
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from tokenmart.extensions import db
from tokenmart.notifications import service as notifications

from .models import UserBadge


@dataclass(frozen=True)
class BadgeRule:
    code: str
    #: the event that may earn it: checkin, referral, swap, assist, ...
    event: str
    label: Any
    #: the rule in plain words, shown before users start
    description: Any
    icon: str
    #: payload of the event -> earned?
    earned: Callable[[dict[str, Any]], bool]


def _always(_payload: dict[str, Any]) -> bool:
    return True


def _at_least(key: str, n: int) -> Callable[[dict[str, Any]], bool]:
    def check(payload: dict[str, Any]) -> bool:
        return int(payload.get(key) or 0) >= n

    return check


BADGE_RULES: dict[str, BadgeRule] = {}


def register_badge(rule: BadgeRule) -> None:
    BADGE_RULES[rule.code] = rule


for _rule in (
    BadgeRule("first_checkin", "checkin", _l("First check-in"),
              _l("Check in for the first time."), "🌱", _always),
    BadgeRule("streak_7", "checkin", _l("7-day streak"),
              _l("Check in 7 days in a row."), "🔥", _at_least("streak", 7)),
    BadgeRule("streak_30", "checkin", _l("30-day streak"),
              _l("Check in 30 days in a row."), "🏆", _at_least("streak", 30)),
    BadgeRule("first_swap", "swap", _l("First swap"),
              _l("Complete your first swap."), "🔄", _always),
    BadgeRule("first_assist", "assist", _l("First assist"),
              _l("Help a friend unlock a coupon."), "🤝", _always),
    BadgeRule("assists_10", "assist", _l("10 assists"),
              _l("Help friends 10 times."), "💪", _at_least("total", 10)),
    BadgeRule("first_referral", "referral", _l("Good friend"),
              _l("Bring a friend who checks in on two days."), "🎁", _always),
):
    register_badge(_rule)


def held_badges(user_id: int) -> set[str]:
    return set(
        db.session.execute(sa.select(UserBadge.badge).where(UserBadge.user_id == user_id))
        .scalars()
        .all()
    )


#: called with (user_id, event) on every earning event (checkin, swap, assist, referral);
#: other domains register here instead of earning importing them
EVENT_LISTENERS: list[Callable[[int, str], None]] = []


def award_badge_if_earned(user_id: int, event: str, **payload: Any) -> list[str]:
    """Award every badge `event` earns that the user lacks; returns the new badge codes.

    Each badge is awarded at most once, even when two events race (primary key).
    Creates one "badge" notification per new badge. Only flushes. Registered
    EVENT_LISTENERS (e.g. conditional membership cards) hear every event first.
    """
    for listener in EVENT_LISTENERS:
        listener(user_id, event)
    held = held_badges(user_id)
    awarded: list[str] = []
    for rule in BADGE_RULES.values():
        if rule.event != event or rule.code in held or not rule.earned(payload):
            continue
        try:
            with db.session.begin_nested():
                db.session.add(UserBadge(user_id=user_id, badge=rule.code))
                db.session.flush()
        except IntegrityError:
            continue
        notifications.notify(user_id, "badge", {"badge": rule.code}, link="/tasks#badges")
        awarded.append(rule.code)
    return awarded


def badges_of(user_id: int) -> list[dict[str, Any]]:
    """Every badge rule with whether the user holds it (for the profile and Tasks page)."""
    rows = dict(
        db.session.execute(
            sa.select(UserBadge.badge, UserBadge.awarded_at).where(UserBadge.user_id == user_id)
        ).all()
    )
    return [
        {"code": r.code, "label": str(r.label), "description": str(r.description),
         "icon": r.icon, "held": r.code in rows, "awarded_at": rows.get(r.code)}
        for r in BADGE_RULES.values()
    ]


_signals = Namespace()
#: send(user_id, event="swap" | "assist" | ..., **payload) to let earning award badges
earning_event = _signals.signal("earning-event")


def _on_earning_event(sender: Any, **kwargs: Any) -> None:
    event = kwargs.pop("event")
    award_badge_if_earned(int(sender), event, **kwargs)


earning_event.connect(_on_earning_event)


def _render_badge(params: dict[str, Any]) -> str:
    rule = BADGE_RULES.get(params.get("badge", ""))
    name = str(rule.label) if rule else params.get("badge", "")
    return _("New badge: %(name)s", name=name)


notifications.register_renderer("badge", _render_badge)
