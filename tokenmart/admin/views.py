"""The /admin back office pages (admins only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_datetime, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tokenmart.accounts import service as accounts
from tokenmart.accounts.auth import admin_page
from tokenmart.admin import economy, fraud, rfm, users_service
from tokenmart.admin import integrations as _integrations  # noqa: F401 - registers signal sources
from tokenmart.admin import labels as admin_labels
from tokenmart.admin.charts import bar_chart
from tokenmart.admin.forms import BanForm, SegmentGrantForm
from tokenmart.analytics.holdout import MAX_HOLDOUT_PERCENT, held_out_count
from tokenmart.audit import service as audit
from tokenmart.core.i18n import currency_name
from tokenmart.core.labels import label
from tokenmart.core.web import arg_int, arg_str, local_path
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


#: how many periods (or days) the economy page may show at once; the API allows the same
ECONOMY_PERIODS_DEFAULT, ECONOMY_PERIODS_MAX = 14, 90


@bp.app_context_processor
def _admin_nav() -> dict[str, Any]:
    return {"admin_nav": ADMIN_NAV}


@bp.context_processor
def _admin_words() -> dict[str, Any]:
    """The audit log's and fraud page's wording helpers (labels with a fallback)."""
    return {"audit_action": admin_labels.audit_action, "audit_target": admin_labels.audit_target,
            "finding_text": admin_labels.finding_text}


def _error_text(err: DomainError) -> str:
    """A refused back-office action in the reader's language: these actions' own words
    for the refusals they expect, else the service's message, translated."""
    texts = {
        "cannot_ban_self": _("You cannot ban yourself."),
        "not_found": _("That segment scoring or coupon template no longer exists."),
        "sold_out": _("Not enough coupons left in this template for everyone in the segment."),
        "template_ended": _("This coupon template has ended; choose another one."),
        "validation_error": _("Choose a segment and a coupon template."),
    }
    return texts.get(err.code) or err.text()


@bp.get("/")
@admin_page
def index() -> Any:
    data = economy.dashboard(7)
    return render_template("admin/index.html", totals=data["totals"], held=data["held"],
                           kept=data["kept"],
                           signals={k: len(v) for k, v in fraud.all_signals().items()},
                           chart=_chart(data["windows"], "coin", "issued")[1])


def _chart(windows: list[Any], currency: str, figure: str) -> Any:
    """One bar chart; its title (and screen-reader label) in the reader's language, each
    bar named like the period tables name it (two periods of one day stay apart)."""
    title = _("%(currency)s: %(figure)s", currency=currency_name(currency),
              figure=label(figure, "economy_figure"))
    return title, bar_chart([admin_labels.period_name(w) for w in windows],
                            [getattr(w.currencies[currency], figure) for w in windows],
                            ticks=[admin_labels.period_tick(w) for w in windows], title=title)


@bp.get("/economy", endpoint="economy")
@admin_page
def economy_page() -> Any:
    periods = arg_int("periods", ECONOMY_PERIODS_DEFAULT, low=1, high=ECONOMY_PERIODS_MAX)
    data = economy.dashboard(periods or ECONOMY_PERIODS_DEFAULT)
    charts = [
        _chart(data["windows"], cur, fig)
        for cur in ("flower", "coin", "credit") for fig in ("issued", "burned", "outstanding")
    ]
    return render_template("admin/economy.html", totals=data["totals"], held=data["held"],
                           kept=data["kept"], windows=data["windows"], charts=charts,
                           period_name=admin_labels.period_name,
                           period_dates=admin_labels.period_dates)


@bp.get("/users")
@admin_page
def users() -> Any:
    q = arg_str("q", max_length=100)
    banned = {"yes": True, "no": False}.get(arg_str("banned", max_length=3))
    page = users_service.search(q, arg_str("cursor", max_length=40) or None, 30, banned)
    return render_template("admin/users.html", page=page, q=q)


def _user_page(user_id: int, form: BanForm | None = None, status: int = 200) -> Any:
    user = accounts.get_user(user_id)
    return render_template("admin/user.html", form=form or BanForm(formdata=None),
                           **users_service.profile(user)), status


@bp.get("/users/<int:user_id>")
@admin_page
def user_detail(user_id: int) -> Any:
    return _user_page(user_id)


@bp.post("/users/<int:user_id>/ban")
@admin_page
def ban(user_id: int) -> Any:
    form = BanForm()
    if not form.validate():
        return _user_page(user_id, form, 422)
    try:
        accounts.ban_user(accounts.get_user(user_id), actor_id=current_user.id,
                          reason=form.reason.data.strip())
    except DomainError as err:
        db.session.rollback()
        flash(_error_text(err), "error")
    else:
        db.session.commit()
        flash(_("User banned: sign-in refused, tokens revoked, listings hidden."), "success")
    return redirect(local_path(form.next.data, url_for("admin.user_detail", user_id=user_id)))


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


def _segments_page(selected: str, form: SegmentGrantForm | None = None,
                   status: int = 200) -> Any:
    snapshot = rfm.latest_snapshot()
    counts = rfm.counts(snapshot.id) if snapshot else {}
    form = form or SegmentGrantForm(formdata=None)
    typed = form.holdout_percent.data
    percent = typed if isinstance(typed, int) and not form.holdout_percent.errors else 0
    return render_template(
        "admin/segments.html", snapshot=snapshot, segments=rfm.SEGMENTS, selected=selected,
        counts=counts, members=rfm.members(snapshot.id, selected) if snapshot else [],
        templates=_integrations.coupon_templates(), form=form,
        given=rfm.grants_made(snapshot.id, selected) if snapshot else {},
        grant_texts=_grant_texts(counts.get(selected, 0)), holdout=percent,
        max_holdout=MAX_HOLDOUT_PERCENT,
    ), status


#: stands for the coupon's name in _grant_texts; segments.js puts each button's name in
NAME_SLOT = "{name}"


def _grant_texts(members: int) -> dict[str, dict[str, str]]:
    """Each holdout percent's button text and confirm question, for a segment of
    `members`: how many get the coupon and how many are held out, counted by the draw's
    own rule, so the dialog says what the grant will do whatever percent is typed."""
    texts: dict[str, dict[str, str]] = {}
    for percent in range(MAX_HOLDOUT_PERCENT + 1):
        held = held_out_count(members, percent)
        treated = members - held
        ask = ngettext("Give “%(name)s” to %(n)s user?", "Give “%(name)s” to %(n)s users?",
                       treated, name=NAME_SLOT, n=format_decimal(treated))
        if held:
            ask += " " + ngettext(
                "%(n)s user is held out as the control group and gets nothing.",
                "%(n)s users are held out as the control group and get nothing.",
                held, n=format_decimal(held))
        elif percent:
            ask += " " + _("The segment is too small for a %(percent)s%% control group: "
                           "nobody is held out.", percent=percent)
        texts[str(percent)] = {
            "label": ngettext("Give to %(n)s user", "Give to %(n)s users", treated,
                              n=format_decimal(treated)),
            "confirm": ask,
        }
    return texts


def _grant_message(outcome: rfm.GrantOutcome) -> str:
    """What a grant request really did: who got the coupon, who was held out or skipped
    and why; on a repeat, that nobody got anything and why."""
    grant = outcome.grant
    name = _integrations.coupon_template_name(grant.template_id) or f"#{grant.template_id}"
    segment = label(grant.segment, "segment")
    if not outcome.created:
        parts = [_("Nobody got a coupon: “%(name)s” was already given to %(segment)s from this "
                   "scoring on %(when)s.", name=name, segment=segment,
                   when=format_datetime(grant.created_at, "short"))]
        if outcome.holdout_percent:
            parts.append(_("The %(percent)s%% control group you asked for was not drawn.",
                           percent=outcome.holdout_percent))
            parts.append(ngettext(
                "That grant held out %(n)s user as its control group.",
                "That grant held out %(n)s users as its control group.",
                grant.held_out, n=format_decimal(grant.held_out))
                if grant.held_out else _("That grant had no control group."))
        parts.append(_("Score everyone again to give it again."))
        return " ".join(parts)
    parts = [ngettext("%(n)s user in %(segment)s got “%(name)s”.",
                      "%(n)s users in %(segment)s got “%(name)s”.",
                      grant.issued, n=format_decimal(grant.issued), segment=segment, name=name)]
    if grant.held_out:
        parts.append(ngettext(
            "%(n)s user was held out as the control group and got nothing.",
            "%(n)s users were held out as the control group and got nothing.",
            grant.held_out, n=format_decimal(grant.held_out)))
    elif outcome.holdout_percent:
        parts.append(_("The segment was too small for a %(percent)s%% control group: nobody "
                       "was held out.", percent=outcome.holdout_percent))
    if outcome.skipped_staff:
        parts.append(ngettext(
            "%(n)s member was skipped: staff and banned accounts get no segment coupons.",
            "%(n)s members were skipped: staff and banned accounts get no segment coupons.",
            outcome.skipped_staff, n=format_decimal(outcome.skipped_staff)))
    return " ".join(parts)


@bp.get("/segments")
@admin_page
def segments() -> Any:
    selected = arg_str("segment", "champions", max_length=20)
    return _segments_page(selected if selected in rfm.SEGMENTS else "champions")


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
    form = SegmentGrantForm()
    selected = form.segment.data if form.segment.data in rfm.SEGMENTS else "champions"
    if not form.validate():
        return _segments_page(selected, form, 422)
    try:
        outcome = rfm.give_to_segment(form.snapshot_id.data, form.segment.data,
                                      form.template_id.data, current_user.id,
                                      holdout_percent=form.holdout_percent.data or 0)
    except DomainError as err:
        db.session.rollback()
        if holdout := err.field_texts().get("holdout_percent"):
            form.holdout_percent.errors = holdout
        else:
            flash(err.text() if err.code == "validation_error" else _error_text(err), "error")
        return _segments_page(selected, form, err.status)
    if not outcome.created:  # nothing changed: say so on the page, as a refusal
        flash(_grant_message(outcome), "error")
        return _segments_page(selected, form, 409)
    db.session.commit()
    flash(_grant_message(outcome), "success")
    return redirect(url_for("admin.segments", segment=outcome.grant.segment))


@bp.get("/audit")
@admin_page
def audit_log() -> Any:
    actor = arg_str("actor", max_length=40)
    action = arg_str("action", max_length=60)
    actor_id = None
    if actor:
        found = accounts.find_by_username(actor)
        actor_id = found.id if found else -1
    page = audit.list_entries(arg_str("cursor", max_length=40) or None, 50,
                              action=action or None, actor_id=actor_id)
    return render_template("admin/audit.html", page=page, action=action,
                           actor=actor, usernames=_actor_names(page.items),
                           changes={e.id: admin_labels.audit_changes(e) for e in page.items})


def _actor_names(entries: list[Any]) -> dict[int, str]:
    import sqlalchemy as sa

    from tokenmart.accounts.models import User

    ids = {e.actor_id for e in entries if e.actor_id}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())
