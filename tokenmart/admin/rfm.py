"""RFM segments: recency, frequency and monetary value over the trailing window.

Scores are quintiles computed in SQL: NTILE(5) over the active users, then users
with the same value share one score (the rounded mean of the quintiles their group
spans), so two people who behaved alike never land in different segments because of
their user ids. Recency counts local days, not seconds. A snapshot freezes the
membership, so a bulk grant reaches exactly the users an admin saw. Segments, first
match wins:
  new          registered within the last 30 days and active on fewer than 7 days
               (someone active on more days already has a pattern to score)
  champions    R >= 4, F >= 4, M >= 4
  loyal        F >= 4 and R >= 3
  at_risk      R <= 2 and F >= 3
  hibernating  R <= 2 and F <= 2 (also: no activity in the window)
  others       everyone else
Only customers are scored, listed, counted and given coupons (`is_customer`): staff and
banned accounts are no audience, and an admin testing the shop would skew the quintiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.accounts.models import User, UserRole
from tokenmart.admin.models import SegmentGrant, SegmentMember, SegmentSnapshot
from tokenmart.audit import service as audit
from tokenmart.core.clock import app_timezone, utcnow
from tokenmart.errors import N_, NotFound, ValidationError, field_error
from tokenmart.extensions import db
from tokenmart.notifications import service as notifications

SEGMENTS = ("champions", "loyal", "new", "at_risk", "hibernating", "others")
WINDOW_DAYS = 90
NEW_USER_DAYS = 30
#: a recent registration stays "new" only while active on fewer days than this
NEW_USER_MAX_ACTIVE_DAYS = 7
#: roles whose holders run the shop rather than shop in it (never in a segment)
STAFF_ROLES = ("admin",)

#: (template_id, select_of_user_ids, source_ref) -> number of coupons issued, set-based;
#: installed by the coupons domain
bulk_coupon_issuer: Callable[[int, sa.Select[Any], str], int] | None = None


def is_customer() -> sa.ColumnElement[bool]:
    """SQL condition on `User`: a customer, neither banned nor staff.

    The one rule for who is in a segment: the scoring, the page's counts and member list
    and the grant all use it, so an admin who tried the shop is never scored as a "new
    user" nor sent the coupons, and a user banned after a scoring drops out of it at once.
    """
    staff = sa.exists().where(UserRole.user_id == User.id, UserRole.role.in_(STAFF_ROLES))
    return sa.and_(User.is_banned.is_(False), ~staff)


def _local_day(column: Any) -> Any:
    """SQL expression for the local calendar day of a UTC timestamp column."""
    offset = app_timezone().utcoffset(utcnow().replace(tzinfo=None))
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if db.engine.dialect.name == "postgresql":
        return sa.func.date(column + sa.func.make_interval(0, 0, 0, 0, 0, minutes))
    return sa.func.date(column, f"{minutes:+d} minutes")


def _ntile(value: Any, user_id: Any) -> Any:
    """Quintile 1..5 by position, ascending (5 = most recent / most days / most tokens)."""
    return sa.func.ntile(5).over(order_by=(value, user_id))


def _shared_score(raw: Any, value: Any) -> Any:
    """One score for every user with the same value: the rounded mean of their quintiles.

    NTILE alone splits a tie by user id, so of two users who were active on the same
    days one could be "loyal" and the other not.
    """
    return sa.cast(sa.func.round(sa.func.avg(raw).over(partition_by=value)), sa.Integer)


def take_snapshot(actor_id: int | None, window_days: int = WINDOW_DAYS) -> SegmentSnapshot:
    """Score everyone set-based (INSERT ... SELECT with window functions) and freeze it."""
    from tokenmart.ledger.models import Account, Entry

    now = utcnow()
    snapshot = SegmentSnapshot(created_by=actor_id, window_days=window_days, created_at=now)
    db.session.add(snapshot)
    db.session.flush()
    activity = (
        sa.select(
            Account.user_id.label("user_id"),
            sa.func.max(Entry.created_at).label("last_at"),
            sa.func.max(_local_day(Entry.created_at)).label("last_day"),
            sa.func.count(sa.distinct(_local_day(Entry.created_at))).label("days"),
            sa.func.sum(sa.func.abs(Entry.amount)).label("monetary"),
        )
        .join(Account, Account.id == Entry.account_id)
        .join(User, User.id == Account.user_id)
        .where(is_customer(), Entry.currency.in_(["flower", "coin"]),
               Entry.created_at >= now - timedelta(days=window_days))
        .group_by(Account.user_id)
        .cte("activity")
    )
    ranked = sa.select(
        activity,
        _ntile(activity.c.last_day, activity.c.user_id).label("r_raw"),
        _ntile(activity.c.days, activity.c.user_id).label("f_raw"),
        _ntile(activity.c.monetary, activity.c.user_id).label("m_raw"),
    ).subquery("ranked")
    scored = sa.select(
        ranked.c.user_id, ranked.c.last_at, ranked.c.days, ranked.c.monetary,
        _shared_score(ranked.c.r_raw, ranked.c.last_day).label("r"),
        _shared_score(ranked.c.f_raw, ranked.c.days).label("f"),
        _shared_score(ranked.c.m_raw, ranked.c.monetary).label("m"),
    ).subquery("scored")
    new_since = now - timedelta(days=NEW_USER_DAYS)
    segment = sa.case(
        (sa.and_(User.created_at >= new_since, scored.c.days < NEW_USER_MAX_ACTIVE_DAYS), "new"),
        (sa.and_(scored.c.r >= 4, scored.c.f >= 4, scored.c.m >= 4), "champions"),
        (sa.and_(scored.c.f >= 4, scored.c.r >= 3), "loyal"),
        (sa.and_(scored.c.r <= 2, scored.c.f >= 3), "at_risk"),
        (sa.and_(scored.c.r <= 2, scored.c.f <= 2), "hibernating"),
        else_="others",
    )
    columns = ["snapshot_id", "user_id", "last_active_at", "frequency", "monetary", "r", "f", "m",
               "segment"]
    db.session.execute(sa.insert(SegmentMember).from_select(columns, sa.select(
        sa.literal(snapshot.id), scored.c.user_id, scored.c.last_at, scored.c.days,
        scored.c.monetary, scored.c.r, scored.c.f, scored.c.m, segment,
    ).join(User, User.id == scored.c.user_id)))
    inactive_segment = sa.case((User.created_at >= new_since, "new"), else_="hibernating")
    db.session.execute(sa.insert(SegmentMember).from_select(columns, sa.select(
        sa.literal(snapshot.id), User.id, sa.null(), sa.literal(0), sa.literal(0), sa.literal(1),
        sa.literal(1), sa.literal(1), inactive_segment,
    ).where(is_customer(), ~User.id.in_(sa.select(activity.c.user_id)))))
    audit.record(actor_id, "segments.snapshot", "segment_snapshot", snapshot.id, None,
                 {"window_days": window_days})
    return snapshot


def latest_snapshot() -> SegmentSnapshot | None:
    return db.session.execute(
        sa.select(SegmentSnapshot).order_by(SegmentSnapshot.id.desc()).limit(1)
    ).scalar()


def _customers_of(snapshot_id: int, *where: Any) -> sa.Select[Any]:
    """SELECT of a snapshot's member rows that are customers now (see is_customer)."""
    return (sa.select(SegmentMember.user_id)
            .join(User, User.id == SegmentMember.user_id)
            .where(SegmentMember.snapshot_id == snapshot_id, is_customer(), *where))


def counts(snapshot_id: int) -> dict[str, int]:
    """Customers per segment; a member banned or made staff since the scoring is not
    counted, so the figure is who a grant would reach."""
    rows = db.session.execute(
        _customers_of(snapshot_id).with_only_columns(SegmentMember.segment, sa.func.count())
        .group_by(SegmentMember.segment)
    ).all()
    result = dict.fromkeys(SEGMENTS, 0)
    result.update({seg: int(n) for seg, n in rows})
    return result


def members(snapshot_id: int, segment: str, limit: int = 50) -> list[Any]:
    """The segment's customers, highest monetary score first (the page's list)."""
    return list(db.session.execute(
        _customers_of(snapshot_id, SegmentMember.segment == segment)
        .with_only_columns(SegmentMember, User.username)
        .order_by(SegmentMember.m.desc(), SegmentMember.user_id).limit(limit)
    ).all())


def grants_made(snapshot_id: int, segment: str) -> dict[int, SegmentGrant]:
    """The grants already made to this scoring's segment, by template id: a template can
    go to a scoring's segment once, so the page shows what it gave instead of a button."""
    rows = db.session.execute(sa.select(SegmentGrant).where(
        SegmentGrant.snapshot_id == snapshot_id, SegmentGrant.segment == segment)).scalars()
    return {grant.template_id: grant for grant in rows}


@dataclass(frozen=True)
class GrantOutcome:
    """What one grant request did, so the admin is told what really happened."""

    #: the grant made now, or (created False) the earlier one, with its own figures
    grant: SegmentGrant
    #: False: this scoring's segment already had this template; nothing was issued,
    #: nobody was held out and nothing new was recorded
    created: bool
    #: the control group asked for this time (a repeat does not draw it)
    holdout_percent: int
    #: members passed over because they are no longer customers (banned or staff)
    skipped_staff: int = 0


def give_to_segment(snapshot_id: int, segment: str, template_id: int, actor_id: int,
                    holdout_percent: int = 0, holdout_seed: int | None = None) -> GrantOutcome:
    """Issue one coupon of `template_id` to every customer in the segment, once.

    With `holdout_percent` a random share of the segment is held out as a control group
    that gets nothing; the split is drawn once (tokenmart.analytics.holdout), stored and
    reproducible from the grant's seed. A template reaches a scoring's segment once: a
    repeat issues nothing and says so (`created` False, the earlier grant). A grant that
    would reach nobody is refused before anything is recorded, and one the coupons refuse
    (sold out, ended) leaves no grant behind, so the analytics never list a grant that gave
    nothing. Raises NotFound / ValidationError for bad input, and the coupons' refusals.
    """
    from tokenmart.analytics.holdout import MAX_HOLDOUT_PERCENT, draw_holdout, new_seed

    if not 0 <= holdout_percent <= MAX_HOLDOUT_PERCENT:
        raise ValidationError(N_("The holdout percent must be between 0 and %(max)s."),
                              params={"max": MAX_HOLDOUT_PERCENT},
                              details={"fields": {"holdout_percent": [N_("Out of range.")]}})
    if segment not in SEGMENTS:
        raise ValidationError(N_("Unknown segment; use one of %(segments)s."),
                              params={"segments": ", ".join(SEGMENTS)},
                              details={"fields": {"segment": [N_("Unknown segment.")]}})
    if db.session.get(SegmentSnapshot, snapshot_id) is None:
        raise NotFound(N_("No such segment snapshot."))
    if bulk_coupon_issuer is None:
        raise ValidationError(N_("Coupons are not available."), details={"fields": {
            "template_id": [N_("The coupons feature is not installed.")]}})
    existing = sa.select(SegmentGrant).where(
        SegmentGrant.snapshot_id == snapshot_id, SegmentGrant.segment == segment,
        SegmentGrant.template_id == template_id)
    earlier = db.session.execute(existing).scalar()
    if earlier is not None:
        return GrantOutcome(earlier, created=False, holdout_percent=holdout_percent)
    in_segment = SegmentMember.segment == segment
    audience = _customers_of(snapshot_id, in_segment)
    everyone = db.session.execute(sa.select(sa.func.count()).select_from(SegmentMember).where(
        SegmentMember.snapshot_id == snapshot_id, in_segment)).scalar_one()
    reached = db.session.execute(
        sa.select(sa.func.count()).select_from(audience.subquery())).scalar_one()
    if not reached:
        raise _nobody_to_reach()
    try:
        with db.session.begin_nested():  # a refused grant leaves no row for the analytics
            grant = SegmentGrant(snapshot_id=snapshot_id, segment=segment, template_id=template_id,
                                 granted_by=actor_id, created_at=utcnow(),
                                 holdout_percent=holdout_percent,
                                 holdout_seed=new_seed() if holdout_seed is None else holdout_seed)
            db.session.add(grant)
            db.session.flush()
            user_ids, grant.held_out = draw_holdout(grant.id, audience, holdout_percent,
                                                    grant.holdout_seed)
            grant.issued = bulk_coupon_issuer(template_id, user_ids, f"segment_grant:{grant.id}")
            if not grant.issued:
                raise _nobody_to_reach()
    except IntegrityError:
        twin = db.session.execute(existing).scalar()  # a concurrent request was first
        if twin is None:
            raise
        return GrantOutcome(twin, created=False, holdout_percent=holdout_percent)
    notifications.notify_many(user_ids, "segment_coupon", {"template_id": template_id},
                              link="/coupons")
    skipped = int(everyone) - int(reached)
    audit.record(actor_id, "segments.grant", "segment_grant", grant.id, None,
                 {"snapshot_id": snapshot_id, "segment": segment, "template_id": template_id,
                  "issued": grant.issued, "holdout_percent": holdout_percent,
                  "held_out": grant.held_out, "skipped_staff": skipped})
    db.session.flush()
    return GrantOutcome(grant, created=True, holdout_percent=holdout_percent,
                        skipped_staff=skipped)


def _nobody_to_reach() -> ValidationError:
    return field_error("segment", N_("Nobody in this segment can get a coupon."),
                       N_("Nobody in this segment can get a coupon."))


def grant_to_segment(snapshot_id: int, segment: str, template_id: int, actor_id: int,
                     holdout_percent: int = 0, holdout_seed: int | None = None) -> SegmentGrant:
    """The API's contract: the grant, and on a repeat the earlier one (give_to_segment)."""
    return give_to_segment(snapshot_id, segment, template_id, actor_id,
                           holdout_percent=holdout_percent, holdout_seed=holdout_seed).grant
