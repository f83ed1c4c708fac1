"""Earning API: check-ins, share links and visits, the leaderboard, my tier and badges.

Check-ins and visits take no Idempotency-Key: each earning is already idempotent by
its cause (one check-in per user and day, one paid visit per sharer, visitor and
target), so a retry gets 409 already_checked_in or `rewarded: false`, never a second
payment.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_smorest import Blueprint

from tokenmart.accounts.auth import (
    _bearer_token,
    auth_required,
    current_api_user,
    load_api_user,
    public,
)
from tokenmart.core.api import declare_errors
from tokenmart.core.clock import local_today
from tokenmart.core.limits import earning_limit
from tokenmart.core.replicas import reads_replica
from tokenmart.extensions import db, limiter

from . import badges, leaderboard, service, tiers
from .schemas import (
    CalendarSchema,
    CheckinResultSchema,
    EarningSummarySchema,
    LeaderboardArgsSchema,
    LeaderboardSchema,
    MonthArgsSchema,
    ShareCreateSchema,
    ShareSchema,
    VisitResultSchema,
)

blp = Blueprint("earning_api", __name__, url_prefix="/api/v1", description="Earning")


def share_payload(link: Any) -> dict[str, Any]:
    return {
        "id": link.id, "code": link.code, "target_type": link.target_type,
        "target_id": link.target_id, "created_at": link.created_at,
        "url": url_for("earning.open_share", code=link.code, _external=True),
    }


@blp.route("/checkins", methods=["POST"])
@declare_errors((409, "already_checked_in"))
@auth_required
@limiter.limit(earning_limit)
@blp.response(201, CheckinResultSchema)
def create_checkin() -> Any:
    """Check in for today (409 already_checked_in on a second try)"""
    result = service.check_in(current_api_user().id)
    db.session.commit()
    return result.as_dict()


@blp.route("/checkins", methods=["GET"])
@auth_required
@blp.arguments(MonthArgsSchema, location="query")
@blp.response(200, CalendarSchema)
def list_checkins(args: dict[str, Any]) -> Any:
    """My check-ins in a month, the current streak and what the next check-in pays"""
    if args.get("month"):
        year, month = (int(p) for p in args["month"].split("-"))
    else:
        today = local_today()
        year, month = today.year, today.month
    return service.checkin_month(current_api_user().id, year, month)


@blp.route("/shares", methods=["POST"])
@declare_errors((404, "not_found"))
@auth_required
@limiter.limit(earning_limit)
@blp.arguments(ShareCreateSchema)
@blp.response(201, ShareSchema)
def create_share(data: dict[str, Any]) -> Any:
    """Make (or get) my share link for a listing, reward, campaign or invite"""
    link = service.create_share(current_api_user().id, data["target_type"], data["target_id"])
    db.session.commit()
    return share_payload(link)


@blp.route("/shares/<code>/visits", methods=["POST"])
@declare_errors((401, "unauthorized"))
@public
@limiter.limit(earning_limit)
@blp.response(201, VisitResultSchema)
def create_visit(code: str) -> Any:
    """Record a visit to a share link; signed-in visitors may pay the sharer

    Anonymous callers are accepted (nothing is paid) and get a `ref` to send when they
    register, which makes them the sharer's referral.
    """
    visitor = load_api_user() if _bearer_token() else None
    rewarded = service.record_visit(code, visitor.id if visitor else None)
    link = service.get_share(code)
    target_url = service.share_target_url(link)
    db.session.commit()
    return {"rewarded": rewarded, "target_url": target_url,
            "ref": None if visitor else service.make_ref_token(code)}


@blp.route("/leaderboard", methods=["GET"])
@public
@blp.arguments(LeaderboardArgsSchema, location="query")
@blp.response(200, LeaderboardSchema)
@reads_replica
def get_leaderboard(args: dict[str, Any]) -> Any:
    """This week's (or a given week's) top earners of task coins"""
    return leaderboard.weekly_leaderboard(args.get("week"))


@blp.route("/me/earning", methods=["GET"])
@auth_required
@blp.response(200, EarningSummarySchema)
def my_earning() -> Any:
    """My tier and progress to the next, my badges and referrals"""
    user = current_api_user()
    return {
        "tier": tiers.tier_progress(user.id, user.tier),
        "badges": badges.badges_of(user.id),
        "referrals": service.referrals_of(user.id),
    }
