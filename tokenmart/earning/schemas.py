"""Request and response shapes of the earning API."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import marshmallow as ma

from tokenmart.errors import N_

#: YYYY-MM, year EARLIEST.year..LATEST.year (1970-9998), ASCII digits only
MONTH_RE = re.compile(r"^(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
                      r"-(0[1-9]|1[0-2])$")
#: calendars and weeks outside this range make no sense and overflow `date` arithmetic
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)


def _month_in_range(value: str) -> None:
    if not MONTH_RE.match(value):
        return  # the Regexp validator reports it
    if not EARLIEST.year <= int(value[:4]) <= LATEST.year:
        raise ma.ValidationError(N_("The year must be %(first)s-%(last)s.")
                                 % {"first": EARLIEST.year, "last": LATEST.year})


class AwardedSchema(ma.Schema):
    coin = ma.fields.Integer()
    flower = ma.fields.Integer()


class CheckinResultSchema(ma.Schema):
    day = ma.fields.Date()
    streak = ma.fields.Integer()
    awarded = ma.fields.Nested(AwardedSchema)


class MonthArgsSchema(ma.Schema):
    month = ma.fields.String(
        load_default=None, validate=[ma.validate.Regexp(MONTH_RE, error="Use YYYY-MM."),
                                     _month_in_range],
        metadata={"description": "YYYY-MM; defaults to the current local month"},
    )


class CheckinDaySchema(ma.Schema):
    day = ma.fields.Date()
    streak = ma.fields.Integer()
    coin = ma.fields.Integer()
    flower = ma.fields.Integer()


class CalendarSchema(ma.Schema):
    month = ma.fields.String()
    days = ma.fields.List(ma.fields.Date())
    checkins = ma.fields.List(ma.fields.Nested(CheckinDaySchema))
    today = ma.fields.Date()
    streak = ma.fields.Integer(metadata={"description": "current streak (0 when broken)"})
    checked_in_today = ma.fields.Boolean()
    next_day = ma.fields.Date(metadata={"description": "the day the next check-in is for"})
    next_streak = ma.fields.Integer()
    next_reward = ma.fields.Nested(AwardedSchema)


class _ShareTargetKinds(ma.validate.OneOf):
    """OneOf the share target kinds registered when it runs (domains register their own);
    `lazy_choices` lets the OpenAPI document list them as they are when it is served."""

    def __init__(self) -> None:
        super().__init__([], error="One of: {choices}.")

    @staticmethod
    def lazy_choices() -> list[str]:
        from .targets import share_target_kinds

        return share_target_kinds()

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        from .targets import share_target_kinds

        return share_target_kinds()

    @choices.setter
    def choices(self, _value: Any) -> None:
        pass

    @property  # type: ignore[override]
    def choices_text(self) -> str:
        return ", ".join(self.choices)

    @choices_text.setter
    def choices_text(self, _value: Any) -> None:
        pass


class ShareCreateSchema(ma.Schema):
    target_type = ma.fields.String(required=True, validate=_ShareTargetKinds())
    target_id = ma.fields.Integer(required=True, strict=True,
                                  validate=ma.validate.Range(min=1, max=2**31 - 1))


class ShareSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    url = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()


class VisitResultSchema(ma.Schema):
    rewarded = ma.fields.Boolean()
    target_url = ma.fields.String()
    ref = ma.fields.String(
        allow_none=True,
        metadata={"description": "anonymous visitors: send as `ref` when registering"},
    )


class LeaderboardArgsSchema(ma.Schema):
    week = ma.fields.Date(load_default=None, validate=ma.validate.Range(min=EARLIEST, max=LATEST),
                          metadata={"description": "any day of the week; default this week",
                                    # the Range's years, which a `date` format cannot say
                                    "pattern": MONTH_RE.pattern[:-1] + "-[0-9]{2}$"})


class LeaderRowSchema(ma.Schema):
    rank = ma.fields.Integer()
    username = ma.fields.String()
    coins = ma.fields.Integer()


class LeaderboardSchema(ma.Schema):
    week_start = ma.fields.Date()
    week_end = ma.fields.Date()
    items = ma.fields.List(ma.fields.Nested(LeaderRowSchema))


class BadgeSchema(ma.Schema):
    code = ma.fields.String()
    label = ma.fields.String()
    description = ma.fields.String()
    held = ma.fields.Boolean()
    awarded_at = ma.fields.DateTime(allow_none=True)


class TierSchema(ma.Schema):
    tier = ma.fields.String()
    coins_earned = ma.fields.Integer()
    window_days = ma.fields.Integer()
    multiplier = ma.fields.String()
    next_tier = ma.fields.String(allow_none=True)
    next_threshold = ma.fields.Integer(allow_none=True)
    remaining = ma.fields.Integer()
    percent = ma.fields.Integer()


class ReferralsSchema(ma.Schema):
    total = ma.fields.Integer()
    rewarded = ma.fields.Integer()


class EarningSummarySchema(ma.Schema):
    tier = ma.fields.Nested(TierSchema)
    badges = ma.fields.List(ma.fields.Nested(BadgeSchema))
    referrals = ma.fields.Nested(ReferralsSchema)
