"""Check-ins, share links and visits, referrals.

Every earning is one ledger transaction whose idempotency key is derived from its
cause, and each is guarded by a unique constraint as well, so a retried or raced
request never pays twice:
- check-in: UNIQUE(user_id, local_day) and key "checkin:<user>:<day>";
- share visit: UNIQUE(share_id, visitor_id) and key "share:<sharer>:<visitor>:<type>:<id>";
  the daily cap is a conditional UPDATE of a per-day counter;
- referral: a conditional UPDATE sets rewarded_at once, and key "referral:<referred user>".
Functions only flush; the caller commits.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from tokenmart.accounts import signals as account_signals
from tokenmart.core.clock import local_today, utcnow
from tokenmart.core.db import bump_capped_counter
from tokenmart.errors import N_, Conflict, NotFound
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.ledger.kinds import register_kind

from . import badges, tiers
from .models import Checkin, DailyCounter, Referral, ShareLink, ShareVisit
from .targets import get_share_target, require_existing


class AlreadyCheckedIn(Conflict):
    code, message = "already_checked_in", N_(
        "You have already checked in today; come back tomorrow.")


# --- check-ins -------------------------------------------------------------------------


@dataclass
class CheckinResult:
    day: date
    streak: int
    coins: int
    flowers: int

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day, "streak": self.streak,
                "awarded": {"coin": self.coins, "flower": self.flowers}}


def streak_reward(streak: int, tier: str, user_id: int | None = None,
                  day: date | None = None) -> tuple[int, int]:
    """(coins after the tier multiplier, bonus flowers) for streak day `streak` (1-based),
    checked in on local `day` (today when omitted): a card's member day depends on it."""
    cfg = current_app.config
    table = cfg["EARNING_STREAK_COINS"]
    base = table[min(streak, len(table)) - 1] if table else 0
    every = int(cfg["EARNING_STREAK_BONUS_EVERY"])
    flowers = int(cfg["EARNING_STREAK_BONUS_FLOWERS"]) if every > 0 and streak % every == 0 else 0
    return tiers.apply_multiplier(int(base), tier, user_id, day), flowers


def _user_tier(user_id: int) -> str:
    from tokenmart.accounts.models import User

    return db.session.execute(sa.select(User.tier).where(User.id == user_id)).scalar() or "member"


def _streak_on(user_id: int, day: date) -> int:
    """The streak reached by a check-in on `day` (0 if none)."""
    return db.session.execute(
        sa.select(Checkin.streak).where(Checkin.user_id == user_id, Checkin.local_day == day)
    ).scalar() or 0


def check_in(user_id: int, *, day: date | None = None, at: datetime | None = None) -> CheckinResult:
    """Check the user in for the local day (today unless `day`, for the demo's history).

    Pays the streak's coins (times the tier multiplier) and the bonus flowers in one
    ledger transaction, then awards badges, pays a pending referral and recomputes the
    tier. Raises AlreadyCheckedIn (409) for a second check-in that day, also when two
    race: the UNIQUE(user_id, local_day) constraint decides.
    """
    day = day or local_today()
    streak = _streak_on(user_id, day - timedelta(days=1)) + 1
    coins, flowers = streak_reward(streak, _user_tier(user_id), user_id, day)
    row = Checkin(user_id=user_id, local_day=day, streak=streak, coins=coins, flowers=flowers)
    if at is not None:
        row.created_at = at
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as exc:
        raise AlreadyCheckedIn() from exc
    legs: list[ledger.Leg] = []
    if coins > 0:
        legs += [ledger.Leg(ledger.MINT, "coin", -coins), ledger.Leg(ledger.user(user_id), "coin", coins)]
    if flowers > 0:
        legs += [ledger.Leg(ledger.MINT, "flower", -flowers),
                 ledger.Leg(ledger.user(user_id), "flower", flowers)]
    if legs:
        ledger.post(
            "checkin", legs, actor_id=user_id, idempotency_key=f"checkin:{user_id}:{day.isoformat()}",
            details={"day": streak}, at=at,
        )
    badges.award_badge_if_earned(user_id, "checkin", streak=streak)
    pay_referral_if_due(user_id)
    tiers.recompute_tier(user_id)
    return CheckinResult(day=day, streak=streak, coins=coins, flowers=flowers)


def checkin_month(user_id: int, year: int, month: int) -> dict[str, Any]:
    """The calendar: the month's check-in days, the current streak and what the next pays."""
    first = date(year, month, 1)
    after = date(year + (month == 12), month % 12 + 1, 1)
    rows = db.session.execute(
        sa.select(Checkin.local_day, Checkin.streak, Checkin.coins, Checkin.flowers)
        .where(Checkin.user_id == user_id, Checkin.local_day >= first, Checkin.local_day < after)
        .order_by(Checkin.local_day)
    ).all()
    today = local_today()
    today_streak = _streak_on(user_id, today)
    current = today_streak or _streak_on(user_id, today - timedelta(days=1))
    next_streak = current + 1
    # the next check-in is tomorrow once today's is done: its own weekday decides the
    # member day, never today's (a card's member day today promised its bonus for tomorrow)
    next_day = today + timedelta(days=1) if today_streak else today
    coins, flowers = streak_reward(next_streak, _user_tier(user_id), user_id, next_day)
    return {
        "month": f"{year:04d}-{month:02d}",
        "days": [r.local_day for r in rows],
        "checkins": [{"day": r.local_day, "streak": r.streak, "coin": r.coins, "flower": r.flowers}
                     for r in rows],
        "today": today,
        "streak": current,
        "checked_in_today": bool(today_streak),
        "next_day": next_day,
        "next_streak": next_streak,
        "next_reward": {"coin": coins, "flower": flowers},
    }


def checkin_days_count(user_id: int) -> int:
    return int(db.session.execute(
        sa.select(sa.func.count()).select_from(Checkin).where(Checkin.user_id == user_id)
    ).scalar_one())


# --- share links and visits ------------------------------------------------------------


def find_share(user_id: int, target_type: str, target_id: int) -> ShareLink | None:
    """The user's existing share link for a target, if any (no writes)."""
    return db.session.execute(sa.select(ShareLink).where(
        ShareLink.user_id == user_id, ShareLink.target_type == target_type,
        ShareLink.target_id == target_id,
    )).scalar()


def create_share(user_id: int, target_type: str, target_id: int) -> ShareLink:
    """The user's share link for a target, made on first call and reused after.

    Raises ValidationError (422) for an unknown kind, NotFound for a missing target.
    """
    require_existing(target_type, target_id)
    query = sa.select(ShareLink).where(
        ShareLink.user_id == user_id, ShareLink.target_type == target_type,
        ShareLink.target_id == target_id,
    )
    existing = db.session.execute(query).scalar()
    if existing is not None:
        return existing
    link = ShareLink(code=secrets.token_urlsafe(9), user_id=user_id, target_type=target_type,
                     target_id=target_id)
    try:
        with db.session.begin_nested():
            db.session.add(link)
            db.session.flush()
    except IntegrityError:
        return db.session.execute(query).scalar_one()  # a twin request made it first
    return link


def get_share(code: str) -> ShareLink:
    link = db.session.execute(sa.select(ShareLink).where(ShareLink.code == code)).scalar()
    if link is None:
        raise NotFound(N_("No such share link."))
    return link


def share_target_url(link: ShareLink) -> str:
    return get_share_target(link.target_type).resolve_url(link.target_id)


def shares_of(user_id: int) -> list[dict[str, Any]]:
    """The user's links, newest first, with visits and paid visits."""
    visits = sa.func.count(ShareVisit.id)
    paid = sa.func.coalesce(sa.func.sum(sa.case((ShareVisit.rewarded, 1), else_=0)), 0)
    rows = db.session.execute(
        sa.select(ShareLink, visits, paid)
        .outerjoin(ShareVisit, ShareVisit.share_id == ShareLink.id)
        .where(ShareLink.user_id == user_id)
        .group_by(ShareLink.id)
        .order_by(ShareLink.id.desc())
    ).all()
    return [{"link": link, "visits": int(v), "paid": int(p)} for link, v, p in rows]


#: the per-day counter of a sharer's paid visits (the daily cap counts these)
SHARE_PAID_COUNTER = "share_paid"


def _take_daily_slot(user_id: int, day: date, name: str, cap: int) -> bool:
    """Count one more `name` for the user's day if under `cap`; False when the cap is hit."""
    return bump_capped_counter(DailyCounter.__table__,
                               {"user_id": user_id, "local_day": day, "name": name}, cap)


def record_visit(code: str, visitor_id: int | None) -> bool:
    """Record a visit to a share link; returns whether the sharer was paid.

    Pays the sharer (share coins x tier) only for the first visit of a signed-in user
    who is not the sharer, at most EARNING_SHARE_DAILY_CAP paid visits per sharer per
    local day. Self, anonymous, repeat and over-cap visits are accepted and pay nothing.
    Raises NotFound for an unknown code.
    """
    link = get_share(code)
    if visitor_id is None:
        db.session.add(ShareVisit(share_id=link.id, visitor_id=None))
        db.session.flush()
        return False
    if visitor_id == link.user_id:
        return False
    visit = ShareVisit(share_id=link.id, visitor_id=visitor_id)
    try:
        with db.session.begin_nested():
            db.session.add(visit)
            db.session.flush()
    except IntegrityError:
        return False  # this visitor came before
    cfg = current_app.config
    if not _take_daily_slot(link.user_id, local_today(), SHARE_PAID_COUNTER,
                            int(cfg["EARNING_SHARE_DAILY_CAP"])):
        return False
    coins = tiers.apply_multiplier(int(cfg["EARNING_SHARE_COINS"]), _user_tier(link.user_id),
                                   link.user_id)
    if coins <= 0:
        return False
    posted = ledger.transfer(
        "share", "coin", coins, ledger.MINT, ledger.user(link.user_id), actor_id=visitor_id,
        idempotency_key=f"share:{link.user_id}:{visitor_id}:{link.target_type}:{link.target_id}",
        details={"target_type": link.target_type, "target_id": link.target_id},
    )
    if not posted.created:
        return False
    visit.rewarded = True
    db.session.flush()
    tiers.recompute_tier(link.user_id)
    return True


# --- referrals -------------------------------------------------------------------------

_CODE_RE = re.compile(r"^[A-Za-z0-9_\-]{6,24}$")


def _ref_serializer() -> URLSafeTimedSerializer:
    # newest key last: itsdangerous signs with it and still accepts the previous keys
    keys = [*reversed(current_app.config.get("SECRET_KEY_FALLBACKS") or []),
            current_app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt="tokenmart.ref")


def make_ref_token(code: str) -> str:
    """A signed, timestamped ref (the tm_ref cookie and the visit API's `ref`)."""
    return _ref_serializer().dumps(code)


def share_code_from_ref(ref: str | None) -> str | None:
    """The share code a registration's `ref` carries, or None.

    A signed ref must be younger than EARNING_REFERRAL_WINDOW_DAYS; a bare share code
    (API clients that got the link out of band) counts as opened just now.
    """
    if not ref:
        return None
    max_age = int(current_app.config["EARNING_REFERRAL_WINDOW_DAYS"]) * 86400
    try:
        code = _ref_serializer().loads(ref, max_age=max_age)
    except SignatureExpired:
        return None
    except BadSignature:
        code = ref
    return code if isinstance(code, str) and _CODE_RE.match(code) else None


def record_referral(user_id: int, ref: str | None) -> Referral | None:
    """Make the new user the sharer's referral if `ref` is a valid, fresh share link."""
    code = share_code_from_ref(ref)
    if code is None:
        return None
    link = db.session.execute(sa.select(ShareLink).where(ShareLink.code == code)).scalar()
    if link is None or link.user_id == user_id:
        return None
    referral = Referral(referrer_id=link.user_id, referred_id=user_id, share_id=link.id)
    try:
        with db.session.begin_nested():
            db.session.add(referral)
            db.session.flush()
    except IntegrityError:
        return None
    return referral


def pay_referral_if_due(referred_id: int) -> bool:
    """Pay the referrer once the referral has checked in on enough distinct days."""
    pending = db.session.execute(
        sa.select(Referral.id).where(Referral.referred_id == referred_id,
                                     Referral.rewarded_at.is_(None))
    ).scalar()
    needed = int(current_app.config["EARNING_REFERRAL_CHECKIN_DAYS"])
    if pending is None or checkin_days_count(referred_id) < needed:
        return False
    row = db.session.execute(
        sa.update(Referral).where(Referral.id == pending, Referral.rewarded_at.is_(None))
        .values(rewarded_at=utcnow()).returning(Referral.referrer_id)
    ).first()
    if row is None:
        return False
    from tokenmart.accounts.models import User

    amount = int(current_app.config["EARNING_REFERRAL_FLOWERS"])
    if amount > 0:
        referred = db.session.execute(
            sa.select(User.username, User.attribution_kind, User.attribution_id)
            .where(User.id == referred_id)).one()
        ledger.transfer(
            "referral", "flower", amount, ledger.MINT, ledger.user(row.referrer_id),
            actor_id=referred_id, idempotency_key=f"referral:{referred_id}",
            details={"username": referred.username},
            # the campaign or reward whose link brought the new user pays for it (analytics)
            attribution=((referred.attribution_kind, referred.attribution_id)
                         if referred.attribution_kind else None),
        )
    badges.award_badge_if_earned(row.referrer_id, "referral", referred_id=referred_id)
    return True


def referrals_of(user_id: int) -> dict[str, int]:
    total, paid = db.session.execute(
        sa.select(sa.func.count(Referral.id), sa.func.count(Referral.rewarded_at))
        .where(Referral.referrer_id == user_id)
    ).one()
    return {"total": int(total), "rewarded": int(paid)}


def _describe_referral(details: dict[str, Any]) -> str:
    return _("Referral reward: %(name)s checked in on two days", name=details.get("username", "?"))


register_kind("referral", _l("Referral reward"), _describe_referral)


def _on_user_registered(user: Any, **kwargs: Any) -> None:
    record_referral(user.id, kwargs.get("ref"))


account_signals.user_registered.connect(_on_user_registered)
