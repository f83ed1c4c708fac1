"""The /admin back office pages (admins only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tokenmart.accounts import service as accounts
from tokenmart.accounts.auth import admin_page
from tokenmart.admin import economy, fraud, rfm, users_service
from tokenmart.admin import integrations as _integrations  # noqa: F401 - registers signal sources
from tokenmart.admin.charts import bar_chart
from tokenmart.audit import service as audit
from tokenmart.errors import DomainError
from tokenmart.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: the back office navigation; entries whose endpoint does not exist are not shown
ADMIN_NAV: list[tuple[str, Any]] = [
    ("admin.index", _l("Dashboard")),
    ("barter_admin.queue", _l("Moderation and disputes")),
    ("admin.users", _l("Users")),
    ("mall.admin_rewards", _l("Rewards")),
    ("mall.admin_fulfilment", _l("Fulfilment")),
    ("coupons_admin.templates", _l("Coupons")),
    ("coupons_admin.packs", _l("Packs")),
    ("coupons_admin.campaigns_admin", _l("Campaigns")),
    ("clearing.admin_periods", _l("Periods")),
    ("clearing.admin_cashouts", _l("Cash-outs")),
    ("admin.economy", _l("Economy")),
    ("admin.fraud", _l("Fraud signals")),
    ("admin.segments", _l("Segments")),
    ("admin.audit_log", _l("Audit log")),
]


@bp.app_context_processor
def _admin_nav() -> dict[str, Any]:
    return {"admin_nav": ADMIN_NAV}


@bp.get("/")
@admin_page
def index() -> Any:
    data = economy.dashboard(7)
    return render_template("admin/index.html", totals=data["totals"], windows=data["windows"],
                           signals={k: len(v) for k, v in fraud.all_signals().items()},
                           chart=_chart(data["windows"], "coin", "issued"))


def _chart(windows: list[Any], currency: str, figure: str) -> Any:
    return bar_chart([w.label for w in windows],
                     [getattr(w.currencies[currency], figure) for w in windows],
                     title=f"{currency} {figure}")


@bp.get("/economy", endpoint="economy")
@admin_page
def economy_page() -> Any:
    data = economy.dashboard(int(request.args.get("periods", 14) or 14))
    charts = {
        f"{cur}:{fig}": _chart(data["windows"], cur, fig)
        for cur in ("flower", "coin", "credit") for fig in ("issued", "burned", "outstanding")
    }
    return render_template("admin/economy.html", totals=data["totals"], windows=data["windows"],
                           charts=charts)



@bp.get("/users")
@admin_page
def users() -> Any:
    banned = {"yes": True, "no": False}.get(request.args.get("banned", ""))
    page = users_service.search(request.args.get("q"), request.args.get("cursor"), 30, banned)
    return render_template("admin/users.html", page=page, q=request.args.get("q", ""))


@bp.get("/users/<int:user_id>")
@admin_page
def user_detail(user_id: int) -> Any:
    user = accounts.get_user(user_id)
    return render_template("admin/user.html", **users_service.profile(user))


@bp.post("/users/<int:user_id>/ban")
@admin_page
def ban(user_id: int) -> Any:
    try:
        accounts.ban_user(accounts.get_user(user_id), actor_id=current_user.id,
                          reason=request.form.get("reason", "").strip())
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("User banned: sign-in refused, tokens revoked, listings hidden."), "success")
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("admin.user_detail", user_id=user_id)
    return redirect(back)


@bp.post("/users/<int:user_id>/unban")
@admin_page
def unban(user_id: int) -> Any:
    accounts.unban_user(accounts.get_user(user_id), actor_id=current_user.id)
    db.session.commit()
    flash(_("Ban lifted."), "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.get("/fraud", endpoint="fraud")
@admin_page
def fraud_page() -> Any:
    signals = fraud.all_signals()
    return render_template("admin/fraud.html", signals=signals, usernames=_usernames(signals))



def _usernames(signals: dict[str, list[fraud.Finding]]) -> dict[int, str]:
    import sqlalchemy as sa

    from tokenmart.accounts.models import User

    ids = {uid for findings in signals.values() for f in findings for uid in f.user_ids}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all()
    return dict(rows)


@bp.get("/segments")
@admin_page
def segments() -> Any:
    snapshot = rfm.latest_snapshot()
    selected = request.args.get("segment", "champions")
    return render_template(
        "admin/segments.html", snapshot=snapshot, segments=rfm.SEGMENTS, selected=selected,
        counts=rfm.counts(snapshot.id) if snapshot else {},
        members=rfm.members(snapshot.id, selected) if snapshot else [],
        templates=_coupon_templates(),
    )


def _coupon_templates() -> list[Any]:
    """Coupon templates to offer in the segment grant form."""
    return _integrations.coupon_templates()


@bp.post("/segments/snapshot")
@admin_page
def take_snapshot() -> Any:
    snapshot = rfm.take_snapshot(current_user.id)
    db.session.commit()
    flash(_("Segments scored (snapshot %(id)s).", id=snapshot.id), "success")
    return redirect(url_for("admin.segments"))


@bp.post("/segments/grant")
@admin_page
def grant_segment() -> Any:
    try:
        grant = rfm.grant_to_segment(int(request.form["snapshot_id"]), request.form["segment"],
                                     int(request.form["template_id"]), current_user.id)
    except (DomainError, KeyError, ValueError) as err:
        db.session.rollback()
        flash(getattr(err, "message", _("Choose a segment and a coupon template.")), "error")
        return redirect(url_for("admin.segments"))
    db.session.commit()
    flash(_("%(n)s coupons granted to %(segment)s.", n=grant.issued, segment=grant.segment), "success")
    return redirect(url_for("admin.segments", segment=grant.segment))


@bp.get("/audit")
@admin_page
def audit_log() -> Any:
    actor = request.args.get("actor", "").strip()
    actor_id = None
    if actor:
        found = accounts.find_by_username(actor)
        actor_id = found.id if found else -1
    page = audit.list_entries(request.args.get("cursor"), 50,
                              action=request.args.get("action") or None, actor_id=actor_id)
    return render_template("admin/audit.html", page=page, action=request.args.get("action", ""),
                           actor=actor, usernames=_actor_names(page.items))


def _actor_names(entries: list[Any]) -> dict[int, str]:
    import sqlalchemy as sa

    from tokenmart.accounts.models import User

    ids = {e.actor_id for e in entries if e.actor_id}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())
