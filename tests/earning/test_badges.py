"""Badges: the rule table, each badge awarded exactly once, with one notification."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.earning.conftest import count_rows


def _badge_notifications(user_id: int) -> list[str]:
    import sqlalchemy as sa

    from tokenmart.extensions import db
    from tokenmart.notifications.models import Notification

    return [p["badge"] for p in db.session.execute(
        sa.select(Notification.params).where(Notification.user_id == user_id,
                                             Notification.kind == "badge")
        .order_by(Notification.id)).scalars()]


def test_streak_badges_awarded_once_each(app: Any, make_user: Any) -> None:
    from tokenmart.earning.badges import held_badges
    from tokenmart.earning.models import UserBadge
    from tokenmart.earning.service import check_in

    user = make_user("alice")
    start = date(2026, 1, 1)
    held_after: dict[int, set[str]] = {}
    for i in range(31):
        check_in(user.id, day=start + timedelta(days=i))
        held_after[i + 1] = held_badges(user.id)
    assert held_after[1] == {"first_checkin"}
    assert held_after[6] == {"first_checkin"}
    assert held_after[7] == {"first_checkin", "streak_7"}
    assert held_after[29] == {"first_checkin", "streak_7"}
    assert held_after[30] == {"first_checkin", "streak_7", "streak_30"}
    # A new streak reaching 7 again awards nothing new.
    for i in range(40, 48):
        check_in(user.id, day=start + timedelta(days=i))
    assert count_rows(UserBadge, UserBadge.user_id == user.id) == 3
    assert _badge_notifications(user.id) == ["first_checkin", "streak_7", "streak_30"]


def test_rule_table_events_from_other_domains(app: Any, make_user: Any) -> None:
    from tokenmart.earning.badges import award_badge_if_earned, earning_event, held_badges

    user = make_user("bob")
    assert award_badge_if_earned(user.id, "swap") == ["first_swap"]
    assert award_badge_if_earned(user.id, "swap") == []
    assert award_badge_if_earned(user.id, "assist", total=1) == ["first_assist"]
    assert award_badge_if_earned(user.id, "assist", total=9) == []
    earning_event.send(user.id, event="assist", total=10)
    assert held_badges(user.id) == {"first_swap", "first_assist", "assists_10"}
    assert award_badge_if_earned(user.id, "assist", total=11) == []
    assert award_badge_if_earned(user.id, "unknown-event") == []


@pytest.fixture
def custom_rule() -> Any:
    from tokenmart.earning.badges import BADGE_RULES, BadgeRule, register_badge

    register_badge(BadgeRule("test_collector", "collect", "Collector", "Collect 3 things.", "*",
                             lambda p: int(p.get("total", 0)) >= 3))
    yield "test_collector"
    BADGE_RULES.pop("test_collector")


def test_registered_rule_is_generic(app: Any, make_user: Any, custom_rule: str) -> None:
    from tokenmart.earning.badges import award_badge_if_earned, badges_of

    user = make_user("carol")
    assert award_badge_if_earned(user.id, "collect", total=2) == []
    assert award_badge_if_earned(user.id, "collect", total=3) == [custom_rule]
    assert award_badge_if_earned(user.id, "collect", total=4) == []
    listed = {b["code"]: b["held"] for b in badges_of(user.id)}
    assert listed[custom_rule] is True and listed["first_checkin"] is False
    assert _badge_notifications(user.id) == [custom_rule]


def test_every_rule_has_words(app: Any) -> None:
    from tokenmart.earning.badges import BADGE_RULES

    assert {"first_checkin", "streak_7", "streak_30", "first_swap", "first_assist", "assists_10",
            "first_referral"} <= set(BADGE_RULES)
    for rule in BADGE_RULES.values():
        assert str(rule.label) and str(rule.description)
