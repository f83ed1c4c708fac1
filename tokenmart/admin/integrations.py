"""Where the back office reads other domains: interaction edges for ring detection,
extra fraud signals, sections on the admin user page. Imported by admin.views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.accounts.models import User
from tokenmart.admin import fraud, rfm
from tokenmart.core.clock import app_timezone
from tokenmart.core.content_i18n import localized
from tokenmart.extensions import db
from tokenmart.notifications import service as notifications


def share_visit_edges() -> Iterable[tuple[int, int]]:
    """visitor -> sharer for every signed-in visit of a share link."""
    from tokenmart.earning.models import ShareLink, ShareVisit

    rows = db.session.execute(
        sa.select(ShareVisit.visitor_id, ShareLink.user_id)
        .join(ShareLink, ShareLink.id == ShareVisit.share_id)
        .where(ShareVisit.visitor_id.is_not(None))
    ).all()
    return [(int(v), int(s)) for v, s in rows]


def assist_edges() -> Iterable[tuple[int, int]]:
    """assister -> drive owner for every assist."""
    from tokenmart.coupons.models import Assist, Drive

    rows = db.session.execute(
        sa.select(Assist.assister_id, Drive.owner_id).join(Drive, Drive.id == Assist.drive_id)
    ).all()
    return [(int(a), int(o)) for a, o in rows]


def _younger_than(at: Any, born: Any, hours: int) -> Any:
    """SQL: `at` is less than `hours` after `born` (SQLite has no interval type)."""
    if db.engine.dialect.name == "sqlite":
        return sa.func.julianday(at) - sa.func.julianday(born) < hours / 24
    return at < born + sa.func.make_interval(0, 0, 0, 0, hours)


def young_account_assists(max_age_hours: int = 24) -> list[fraud.Finding]:
    """Assists given by accounts younger than 24 hours when they assisted."""
    from tokenmart.coupons.models import Assist, Drive

    rows = db.session.execute(
        sa.select(Assist.assister_id, sa.func.count(), sa.func.min(Assist.created_at),
                  sa.func.count(sa.distinct(Drive.owner_id)))
        .join(User, User.id == Assist.assister_id)
        .join(Drive, Drive.id == Assist.drive_id)
        .where(_younger_than(Assist.created_at, User.created_at, max_age_hours))
        .group_by(Assist.assister_id)
        .order_by(sa.func.count().desc())
    ).all()
    return [
        fraud.Finding("young_account_assist",
                      f"{n} assist(s) within {max_age_hours} h of registering, for {owners} owner(s)",
                      [int(uid)], {"assists": int(n), "owners": int(owners),
                                   "hours": max_age_hours})
        for uid, n, _first, owners in rows
    ]


def issue_segment_coupons(template_id: int, user_ids: sa.Select[Any], source_ref: str) -> int:
    from tokenmart.coupons.service import issue_coupons_bulk

    kind, _, grant_id = source_ref.partition(":")  # "segment_grant:<id>", see rfm
    attribution = (kind, int(grant_id)) if kind == "segment_grant" and grant_id.isdigit() else None
    return issue_coupons_bulk(template_id, user_ids, source="segment", source_ref=source_ref,
                              attribution=attribution)


def coupon_templates() -> list[Any]:
    from tokenmart.coupons.models import CouponTemplate

    return list(db.session.execute(sa.select(CouponTemplate).order_by(CouponTemplate.id)).scalars())


def coupon_template_name(template_id: int) -> str | None:
    """The template's name in the reader's language (read when the notification is shown,
    so it follows the admin's translations)."""
    from tokenmart.coupons.models import CouponTemplate

    row = db.session.execute(
        sa.select(CouponTemplate.name, CouponTemplate.translations)
        .where(CouponTemplate.id == template_id)
    ).first()
    return localized(row.name, row.translations, "name") if row is not None else None


def render_segment_coupon(params: dict[str, Any]) -> str:
    """The notification a segment grant sends: which coupon arrived, and where it is."""
    try:
        name = coupon_template_name(int(params.get("template_id", 0)))
    except (TypeError, ValueError):
        name = None
    if name:
        return _("You received a coupon: “%(name)s”. It is in My coupons.", name=name)
    return _("You received a coupon. It is in My coupons.")


notifications.register_renderer("segment_coupon", render_segment_coupon)
fraud.EDGE_PROVIDERS.extend([share_visit_edges, assist_edges])
fraud.SIGNAL_PROVIDERS["young_account_assists"] = young_account_assists
rfm.bulk_coupon_issuer = issue_segment_coupons


def barter_section(user: User) -> dict[str, Any]:
    """The user's listings and orders on their admin page."""
    from tokenmart.barter import listings_service, orders_service

    return {"title": _l("Listings and swap orders"), "template": "admin/_user_barter.html",
            "listings": listings_service.my_listings(user.id, None, 20).items,
            "orders": orders_service.list_orders(user.id, None, None, None, 20).items}


def earning_section(user: User) -> dict[str, Any]:
    from tokenmart.earning.badges import badges_of
    from tokenmart.earning.tiers import tier_progress

    return {"title": _l("Earning: tier and badges"), "template": "admin/_user_earning.html",
            "tier": tier_progress(user.id, user.tier),
            "badges": [b for b in badges_of(user.id) if b.get("held")]}


from tokenmart.admin.users_service import USER_SECTIONS  # noqa: E402 - after the providers

USER_SECTIONS.extend([earning_section, barter_section])


def period_windows(count: int) -> list[tuple[str, Any, Any]]:
    """The economy dashboard counts per clearing period (newest `count`, oldest first)."""
    from tokenmart.clearing.models import Period

    periods = list(db.session.execute(
        sa.select(Period).order_by(Period.starts_at.desc()).limit(count)
    ).scalars())
    tz = app_timezone()
    return [(f"#{p.id} {p.starts_at.astimezone(tz).date().isoformat()}", p.starts_at, p.ends_at)
            for p in reversed(periods)]


from tokenmart.admin import economy  # noqa: E402

economy.period_windows_provider = period_windows


def clearing_accounts() -> list[tuple[str, str, str]]:
    """Credits are created by the clearing (not minted) and leave when a cash-out is paid;
    cleared coins go to the clearing pool; a requested cash-out waits in a hold."""
    from tokenmart.clearing import cashouts, engine

    return [
        ("issued", "credit", engine.CREDIT_SOURCE),
        ("burned", "coin", engine.COIN_SINK),
        ("burned", "credit", cashouts.PAID_OUT.code),
        ("escrow", "credit", cashouts.PENDING.code),
    ]


economy.ACCOUNT_PROVIDERS.append(clearing_accounts)
