"""The things a report is about (campaign, coupon template, reward, card, segment grant).

For each kind: its name, which coupons are its own, and the people it reached with the
moment it first reached each of them (the start of their 30-day effect window). All are
SQL expressions over recorded facts, so every report query stays set-based.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.analytics.models import GrantCohort
from tokenmart.coupons.models import Assist, Campaign, Coupon, CouponTemplate, Drive
from tokenmart.errors import N_, NotFound
from tokenmart.extensions import db


@dataclass(frozen=True)
class Subject:
    kind: str  #: a stored attribution kind (attribution.KINDS)
    id: int
    name: str
    created_at: datetime
    #: for segment grants: whether a control group was held out
    holdout_percent: int = 0
    #: the name's translations, {"zh_Hans": {"name": ...}}: pages show `local(subject, "name")`
    translations: dict[str, dict[str, str]] | None = None


def _names(translations: dict[str, Any] | None, field: str = "name") -> dict[str, dict[str, str]]:
    """A row's translations of `field` (a campaign's "title") as translations of "name"."""
    return {locale: {"name": texts[field]} for locale, texts in (translations or {}).items()
            if isinstance(texts, dict) and texts.get(field)}


def _membership() -> Any | None:
    """tokenmart.membership.models when the card programs domain is installed."""
    try:
        return importlib.import_module("tokenmart.membership.models")
    except ImportError:
        return None


def get_subject(kind: str, subject_id: int) -> Subject:
    """The subject, or NotFound (404) for an unknown kind or id."""
    from tokenmart.admin.models import SegmentGrant
    from tokenmart.mall.models import Reward

    if kind == "campaign":
        row = db.session.get(Campaign, subject_id)
        if row is not None:
            return Subject(kind, row.id, row.title, row.created_at,
                           translations=_names(row.translations, "title"))
    elif kind == "coupon_template":
        row = db.session.get(CouponTemplate, subject_id)
        if row is not None:
            return Subject(kind, row.id, row.name, row.created_at,
                           translations=_names(row.translations))
    elif kind == "reward":
        row = db.session.get(Reward, subject_id)
        if row is not None:
            return Subject(kind, row.id, row.name, row.created_at,
                           translations=_names(row.translations))
    elif kind == "segment_grant":
        grant = db.session.get(SegmentGrant, subject_id)
        if grant is not None:
            template = db.session.get(CouponTemplate, grant.template_id)
            name = template.name if template is not None else f"#{grant.template_id}"
            return Subject(kind, grant.id, name, grant.created_at, grant.holdout_percent,
                           _names(template.translations) if template is not None else None)
    elif kind == "card" and (membership := _membership()) is not None:
        card = db.session.get(membership.CardProgram, subject_id)
        if card is not None:
            return Subject(kind, card.id, card.name, card.created_at,
                           translations=_names(card.translations))
    raise NotFound(N_("No such report."))


def attributed(model: Any, subject: Subject) -> Any:
    """Rows of `model` (LedgerTransaction, Coupon, User) caused by the subject."""
    return sa.and_(model.attribution_kind == subject.kind, model.attribution_id == subject.id)


def own_coupons(subject: Subject) -> Any:
    """A template's report covers every coupon of the template, however it was issued;
    the other kinds cover the coupons they caused."""
    if subject.kind == "coupon_template":
        return Coupon.template_id == subject.id
    return attributed(Coupon, subject)


def reached(subject: Subject) -> Any:
    """CTE (user_id, reached_at): everyone the subject reached, first contact time; a CTE
    so a statement that reads it several times computes it once."""
    from tokenmart.mall.models import Redemption

    parts: list[Any]
    if subject.kind == "campaign":
        parts = [
            sa.select(Drive.owner_id.label("user_id"), Drive.created_at.label("at"))
            .where(Drive.campaign_id == subject.id),
            sa.select(Assist.assister_id.label("user_id"), Assist.created_at.label("at"))
            .join(Drive, Drive.id == Assist.drive_id).where(Drive.campaign_id == subject.id),
            sa.select(User.id.label("user_id"), User.created_at.label("at"))
            .where(attributed(User, subject)),
        ]
    elif subject.kind == "reward":
        parts = [
            sa.select(Redemption.user_id.label("user_id"), Redemption.created_at.label("at"))
            .where(Redemption.reward_id == subject.id),
            sa.select(User.id.label("user_id"), User.created_at.label("at"))
            .where(attributed(User, subject)),
        ]
    elif subject.kind == "segment_grant":
        from tokenmart.admin.models import SegmentGrant

        parts = [
            sa.select(GrantCohort.user_id.label("user_id"), SegmentGrant.created_at.label("at"))
            .join(SegmentGrant, SegmentGrant.id == GrantCohort.grant_id)
            .where(GrantCohort.grant_id == subject.id, GrantCohort.treated.is_(True)),
            # grants made before holdouts existed have no cohort rows: their coupons tell
            sa.select(Coupon.user_id.label("user_id"), Coupon.created_at.label("at"))
            .where(own_coupons(subject)),
        ]
    elif subject.kind == "card" and (membership := _membership()) is not None:
        m = membership.Membership
        parts = [
            sa.select(m.user_id.label("user_id"), m.created_at.label("at"))
            .where(m.card_id == subject.id),
            sa.select(User.id.label("user_id"), User.created_at.label("at"))
            .where(attributed(User, subject)),
        ]
    else:  # coupon_template
        parts = [sa.select(Coupon.user_id.label("user_id"), Coupon.created_at.label("at"))
                 .where(own_coupons(subject))]
    contacts = (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("contacts")
    return (
        sa.select(contacts.c.user_id, sa.func.min(contacts.c.at).label("reached_at"))
        .group_by(contacts.c.user_id).cte("reached")
    )
