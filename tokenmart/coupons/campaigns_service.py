"""Share-to-unlock campaigns: drives and assists (SPEC §3).

The owner's coupon is issued exactly once even when assists race: each assist bumps
the drive with `UPDATE drives SET progress = progress + 1 WHERE id = :id AND
status = 'open' AND progress < required AND expires_at > :now RETURNING progress`
(the database serializes these on the row), a UNIQUE (drive_id, assister_id) stops a
second assist by the same person, and only the assist that reads back
progress == required completes the drive and issues the coupon. Daily limits are
counter rows bumped conditionally (tokenmart.coupons.counters). Every function runs
in a savepoint, so an error leaves nothing applied; callers commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.accounts.models import User
from tokenmart.audit import service as audit
from tokenmart.core.clock import local_today, utcnow
from tokenmart.core.content_i18n import clean_translations, kept
from tokenmart.core.pagination import Page, paginate
from tokenmart.coupons import counters
from tokenmart.coupons.coupon_service import get_template, issue_coupon
from tokenmart.coupons.errors import (
    AlreadyAssisted,
    AssistLimitReached,
    DriveCompleted,
    DriveExpired,
    DriveLimitReached,
    OwnDrive,
    SoldOut,
    TemplateEnded,
)
from tokenmart.coupons.models import Assist, Campaign, Coupon, Drive
from tokenmart.coupons.templates_service import AT_LEAST
from tokenmart.errors import N_, NotFound, field_error
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.notifications import service as notifications


def create_campaign(
    *,
    actor_id: int | None,
    title: str,
    template_id: int,
    required_assists: int = 3,
    drive_hours: int = 24,
    assist_reward_coins: int = 0,
    assist_template_id: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    drives_per_day: int = 1,
    assists_per_day: int = 3,
    description: str = "",
    active: bool = True,
    translations: Any = None,
) -> Campaign:
    """An admin creates a campaign (audited); 404 unknown template, 422 bad numbers or a
    wrong translation of the title or description."""
    cleaned = clean_translations(translations, Campaign.TRANSLATED)
    get_template(template_id)
    if assist_template_id is not None:
        get_template(assist_template_id)
    for name, value, low in (("required_assists", required_assists, 1),
                             ("drive_hours", drive_hours, 1),
                             ("assist_reward_coins", assist_reward_coins, 0),
                             ("drives_per_day", drives_per_day, 1),
                             ("assists_per_day", assists_per_day, 1)):
        if value < low:
            raise field_error(name, AT_LEAST[low])
    if starts_at and ends_at and ends_at <= starts_at:
        raise field_error("ends_at", N_("Must be after the start time."))
    campaign = Campaign(
        title=title, description=description or "", template_id=template_id,
        required_assists=required_assists, drive_hours=drive_hours,
        assist_reward_coins=assist_reward_coins, assist_template_id=assist_template_id,
        starts_at=starts_at, ends_at=ends_at, drives_per_day=drives_per_day,
        assists_per_day=assists_per_day, active=active, translations=cleaned,
    )
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor_id, "campaign.create", "campaign", campaign.id,
                 after={"title": title, "template_id": template_id,
                        "required_assists": required_assists, "translations": cleaned})
    return campaign


def is_running(campaign: Campaign, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        campaign.active
        and (campaign.starts_at is None or campaign.starts_at <= now)
        and (campaign.ends_at is None or campaign.ends_at > now)
    )


def running_campaigns() -> list[Campaign]:
    now = utcnow()
    return list(
        db.session.execute(
            sa.select(Campaign)
            .where(Campaign.active,
                   sa.or_(Campaign.starts_at.is_(None), Campaign.starts_at <= now),
                   sa.or_(Campaign.ends_at.is_(None), Campaign.ends_at > now))
            .order_by(Campaign.id.desc())
        ).scalars().unique()
    )


def list_campaigns(cursor: str | None, limit: int) -> Page:
    return paginate(sa.select(Campaign), Campaign.id, cursor, limit)


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("No such campaign."))
    return campaign


def start_drive(campaign_id: int, user_id: int) -> Drive:
    """Open a drive for the user. 404 unknown or not running campaign, 409 sold_out when
    the coupon to unlock is gone, 429 drive_limit_reached past drives_per_day."""
    campaign = get_campaign(campaign_id)
    if not is_running(campaign):
        raise NotFound(N_("This campaign is not running."))
    if campaign.template.remaining == 0:
        raise SoldOut(details={"template_id": campaign.template_id})
    today = local_today()
    now = utcnow()
    with db.session.begin_nested():
        key = f"drives:{campaign.id}:{today.isoformat()}"
        if not counters.bump(key, user_id, campaign.drives_per_day):
            raise DriveLimitReached(details={"drives_per_day": campaign.drives_per_day})
        drive = Drive(
            code=secrets.token_urlsafe(9), campaign_id=campaign.id, owner_id=user_id,
            required=campaign.required_assists, progress=0, status="open", local_day=today,
            expires_at=now + timedelta(hours=campaign.drive_hours), created_at=now,
        )
        db.session.add(drive)
        db.session.flush()
    return drive


def get_drive(code: str) -> Drive:
    """The drive with this code (404); an open drive past its deadline is marked expired."""
    drive = db.session.execute(sa.select(Drive).where(Drive.code == code)).scalar()
    if drive is None:
        raise NotFound(N_("No such drive."))
    if drive.current_status == "expired" and drive.status == "open":
        _expire(drive_id=drive.id)
        db.session.refresh(drive)
    return drive


def _expire(*, drive_id: int | None = None, now: datetime | None = None) -> int:
    query = sa.update(Drive).where(Drive.status == "open", Drive.expires_at <= (now or utcnow()))
    if drive_id is not None:
        query = query.where(Drive.id == drive_id)
    return db.session.execute(
        query.values(status="expired").execution_options(synchronize_session=False)
    ).rowcount or 0


def expire_drives(now: datetime | None = None) -> int:
    """Mark every open drive past its deadline expired (set-based; safe to repeat)."""
    return _expire(now=now)


def has_assisted(drive_id: int, user_id: int) -> bool:
    return db.session.execute(
        sa.select(Assist.id).where(Assist.drive_id == drive_id, Assist.assister_id == user_id)
    ).first() is not None


@dataclass
class AssistResult:
    drive: Drive
    assist: Assist
    coins: int
    coupon: Coupon | None
    completed: bool

    @property
    def reward(self) -> dict[str, Any]:
        return {"coins": self.coins, "coupon": self.coupon}


def assist_drive(code: str, assister_id: int) -> AssistResult:
    """Help a friend's drive. 404 unknown, 403 own_drive, 409 already_assisted,
    410 drive_expired, 409 drive_completed, 429 assist_limit_reached (assists per
    assister per local day, across all drives). The assist that reaches the target
    completes the drive and issues the owner's coupon, exactly once; each assister
    gets the campaign's reward (coins, idempotent per drive and assister, and/or a
    coupon while stock lasts) once."""
    drive = get_drive(code)
    if drive.owner_id == assister_id:
        raise OwnDrive()
    if has_assisted(drive.id, assister_id):
        raise AlreadyAssisted()
    if drive.current_status == "expired":
        raise DriveExpired()
    if drive.status == "completed":
        raise DriveCompleted()
    campaign = drive.campaign
    with db.session.begin_nested():
        now = utcnow()
        key = f"assists:{local_today().isoformat()}"
        if not counters.bump(key, assister_id, campaign.assists_per_day):
            raise AssistLimitReached(details={"assists_per_day": campaign.assists_per_day})
        progress = db.session.execute(
            sa.update(Drive)
            .where(Drive.id == drive.id, Drive.status == "open",
                   Drive.progress < Drive.required, Drive.expires_at > now)
            .values(progress=Drive.progress + 1)
            .returning(Drive.progress)
            .execution_options(synchronize_session=False)
        ).scalar()
        if progress is None:  # lost the race: someone completed it, or time ran out
            db.session.refresh(drive)
            if drive.status == "completed" or drive.progress >= drive.required:
                raise DriveCompleted()
            raise DriveExpired()
        try:
            with db.session.begin_nested():
                assist = Assist(drive_id=drive.id, assister_id=assister_id, created_at=now)
                db.session.add(assist)
                db.session.flush()
        except IntegrityError:
            raise AlreadyAssisted() from None
        completed = progress >= drive.required
        if completed:
            drive.status = "completed"
            drive.completed_at = now
        coupon = _issue_coupons(campaign, drive, assister_id, completed)
        coins = _pay_coins(campaign, drive, assister_id)
        assist.reward_coins = coins
        assist.reward_coupon_id = coupon.id if coupon else None
        db.session.flush()
        db.session.refresh(drive)
        _notify_owner(drive, assist, completed)
    return AssistResult(drive=drive, assist=assist, coins=coins, coupon=coupon,
                        completed=completed)


def _issue_coupons(campaign: Campaign, drive: Drive, assister_id: int,
                   completed: bool) -> Coupon | None:
    """The owner's coupon (on completion) and the assister's; returns the assister's."""
    grants: list[tuple[int, str]] = []
    if completed:
        grants.append((campaign.template_id, "drive"))
    if campaign.assist_template_id is not None:
        grants.append((campaign.assist_template_id, "assist"))
    reward: Coupon | None = None
    # template rows are locked in id order, so two campaigns cannot deadlock each other
    for template_id, source in sorted(grants):
        if source == "drive":
            drive.coupon_id = issue_coupon(
                template_id, drive.owner_id, source="drive", source_ref=drive.code,
                attribution=("campaign", campaign.id),
            ).id
            continue
        try:
            reward = issue_coupon(template_id, assister_id, source="assist",
                                  source_ref=drive.code, attribution=("campaign", campaign.id))
        except (SoldOut, TemplateEnded):
            reward = None  # the help still counts and coins are still paid
    return reward


def _pay_coins(campaign: Campaign, drive: Drive, assister_id: int) -> int:
    """The assister's coins (times their tier's multiplier, rounded down), their tier
    recomputed, and the assist badges checked."""
    from tokenmart.earning.badges import award_badge_if_earned
    from tokenmart.earning.tiers import apply_multiplier, recompute_tier

    assister = db.session.get(User, assister_id)
    coins = 0
    if campaign.assist_reward_coins > 0 and assister is not None:
        coins = apply_multiplier(campaign.assist_reward_coins, assister.tier, assister_id)
    if coins > 0:
        ledger.transfer(
            "assist", "coin", coins, ledger.MINT, ledger.user(assister_id),
            idempotency_key=f"assist:{drive.id}:{assister_id}", actor_id=assister_id,
            # the title as it was, in every language (read back by service._describe_assist)
            details={"drive": drive.code,
                     **kept("campaign", campaign.title, campaign.translations, "title")},
            attribution=("campaign", campaign.id),
        )
        recompute_tier(assister_id)
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(Assist).where(Assist.assister_id == assister_id)
    ).scalar_one()
    award_badge_if_earned(assister_id, "assist", total=int(total))
    return coins


def _notify_owner(drive: Drive, assist: Assist, completed: bool) -> None:
    params = {"helper": assist.assister.username, "progress": drive.progress,
              "required": drive.required,
              **kept("title", drive.campaign.title, drive.campaign.translations, "title")}
    link = f"/d/{drive.code}"
    notifications.notify(drive.owner_id, "drive_assisted", params, link=link)
    if completed:
        notifications.notify(drive.owner_id, "drive_completed", params, link="/coupons")


def list_drives(owner_id: int, cursor: str | None, limit: int) -> Page:
    return paginate(sa.select(Drive).where(Drive.owner_id == owner_id), Drive.id, cursor, limit)


def recent_drives(owner_id: int, limit: int = 10) -> list[Drive]:
    return list(
        db.session.execute(
            sa.select(Drive).where(Drive.owner_id == owner_id).order_by(Drive.id.desc())
            .limit(limit)
        ).scalars().unique()
    )


def update_campaign(campaign_id: int, *, actor_id: int | None, title: str | None = None,
                    description: str | None = None, active: bool | None = None,
                    translations: Any = None) -> Campaign:
    """Edit a campaign's words (given translations replace the stored ones), or pause /
    resume it (running drives keep their deadline). 404 unknown, 422 a blank or too long
    title or a wrong translation."""
    campaign = get_campaign(campaign_id)
    before = {"title": campaign.title, "description": campaign.description,
              "active": campaign.active, "translations": campaign.translations}
    if title is not None:
        if not title.strip() or len(title.strip()) > 120:
            raise field_error("title", N_("1-120 characters."))
        campaign.title = title.strip()
    if description is not None:
        campaign.description = description.strip()[:1000]
    if active is not None:
        campaign.active = active
    if translations is not None:
        campaign.translations = clean_translations(translations, Campaign.TRANSLATED)
    db.session.flush()
    audit.record(actor_id, "campaign.update", "campaign", campaign.id, before=before,
                 after={"title": campaign.title, "description": campaign.description,
                        "active": campaign.active, "translations": campaign.translations})
    return campaign
