"""Pages: the period page, the wallet's clearing section and the cash-out form; admin
periods and cash-outs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import format_number, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tokenmart.accounts.auth import admin_page
from tokenmart.clearing import cashouts, checks, engine, overview, periods  # noqa: F401 - checks registers
from tokenmart.clearing.chart import rate_chart
from tokenmart.clearing.destinations import check_destination, masked
from tokenmart.clearing.forms import (
    ActionForm,
    ApproveForm,
    CashoutForm,
    MarginEntryForm,
    RejectForm,
    to_cents,
)
from tokenmart.clearing.memos import margin_memo
from tokenmart.clearing.models import CASHOUT_STATUSES, ClearingRun
from tokenmart.clearing.settings import install_defaults, setting
from tokenmart.core.clock import utcnow
from tokenmart.core.forms import INT_MAX
from tokenmart.core.i18n import cny
from tokenmart.core.pagination import decode_cursor
from tokenmart.core.web import arg_str
from tokenmart.errors import N_, DomainError, ValidationError
from tokenmart.extensions import db
from tokenmart.ledger.kinds import register_kind
from tokenmart.ledger.service import balances_of
from tokenmart.ledger.views import WALLET_SECTIONS
from tokenmart.notifications.service import register_renderer

bp = Blueprint("clearing", __name__)
bp.record_once(lambda state: install_defaults(state.app))


def rate_text(rate_cents: int | None) -> str:
    """'1,000 coins = ¥0.53' in the reader's language."""
    if rate_cents is None:
        return _("not known yet")
    return _("1,000 coins = %(amount)s", amount=cny(rate_cents))


def _render_clearing(params: dict[str, Any]) -> str:
    return _("Period #%(id)s cleared: %(rate)s. Your coins became credits.",
             id=params.get("period_id"), rate=rate_text(params.get("rate")))


def _render_cashout(params: dict[str, Any]) -> str:
    return _("Your cash-out of %(amount)s was paid (reference %(ref)s).",
             amount=cny(int(params.get("amount_cents", 0))), ref=params.get("external_ref", ""))


register_renderer("clearing", _render_clearing)
register_renderer("cashout", _render_cashout)
register_kind("clearing", _l("Period clearing"),
              lambda d: _("Period #%(id)s clearing", id=d.get("period_id", "?")))


def countdown_text(target: datetime, now: datetime | None = None) -> str:
    """The countdown's first frame, as app.js draws it (so the page reads right without JS)."""
    left = max(0, int((target - (now or utcnow())).total_seconds()))
    days, rest = divmod(left, 86_400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return (days_format().replace("%d", str(days)) if days else "") + clock


def days_format() -> str:
    """How the countdown writes whole days ("%d" is the number), e.g. "2 d " / "2 天 "."""
    return _("%(n)s d ", n="%d")


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def page_cursor() -> str | None:
    """The `cursor` of a list page, refused (422) when it points past any id we store.

    `core.pagination.decode_cursor` accepts any integer; a cursor of 10^27 would reach
    the database (OverflowError on SQLite, a 500)."""
    cursor = request.args.get("cursor") or None
    if cursor is not None and not 0 <= decode_cursor(cursor) <= INT_MAX:
        raise ValidationError(N_("The cursor is not valid; start again without it."),
                              details={"fields": {"cursor": [N_("Invalid cursor.")]}})
    return cursor


def wallet_section(user: Any) -> dict[str, Any]:
    history = periods.rate_history()
    last = history[-1] if history else None
    return {
        "template": "clearing/_wallet_section.html",
        "last_rate": rate_text(last["rate_cents_per_1000_coins"]) if last else None,
        "last_period": last,
        "chart": rate_chart(history),
        **_cashout_context(user.id, _prefilled_form(user.id)),
    }


WALLET_SECTIONS.append(wallet_section)


def _prefilled_form(user_id: int) -> CashoutForm:
    """A fresh cash-out form holding the last destination, so a regular fills in the amount only."""
    form = CashoutForm()
    last = cashouts.last_destination(user_id)
    if last is not None:
        form.payout_method.data = last.method
        form.payout_account_name.data = last.account_name
        form.payout_account.data = last.account
    return form


def _cashout_context(user_id: int, form: CashoutForm) -> dict[str, Any]:
    """What the cash-out form needs, and whether it can be used now: with a request waiting
    for review, or fewer credits than the minimum, the pages say why instead of showing it."""
    return {
        "cashout_form": form,
        "cashout_pending": cashouts.pending_cashout(user_id),
        "cashout_credits": balances_of(user_id)["credit"],
        "cashouts": cashouts.history_for(user_id, None, 10).items,
        "cashout_min": setting("CASHOUT_MIN_CENTS"),
        "cashout_max": setting("CASHOUT_DAILY_MAX_CENTS"),
        "masked": masked,
    }


@bp.get("/periods")
@login_required
def my_periods() -> Any:
    outlook = overview.current_outlook(current_user.id)
    db.session.commit()  # may have rolled the periods over
    history = overview.my_history(current_user.id, page_cursor(), 20)
    latest = periods.rate_history(1)
    return render_template(
        "clearing/periods.html", o=outlook, history=history, rate_text=rate_text,
        last_rate=rate_text(latest[0]["rate_cents_per_1000_coins"]) if latest else None,
        countdown=countdown_text(outlook["clears_at"]), countdown_iso=iso_utc(outlook["clears_at"]),
        days_format=days_format(), ratio=format_percent(setting("CLEARING_PAYOUT_RATIO_BP") / 10_000),
        max_rate=cny(setting("CLEARING_MAX_RATE_CENTS_PER_1000")),
    )


@bp.get("/wallet/cashouts")
@login_required
def cashout_page() -> Any:
    return render_template("clearing/cashout.html",
                           **_cashout_context(current_user.id, _prefilled_form(current_user.id)))


@bp.post("/wallet/cashouts")
@login_required
def request_cashout() -> Any:
    form = CashoutForm()
    if not form.validate_on_submit():
        return _cashout_again(form, None, 422)
    try:
        destination = check_destination(form.payout_method.data, form.payout_account_name.data,
                                        form.payout_account.data)
        cashout = cashouts.request_cashout(current_user.id, to_cents(form.amount.data), destination)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _cashout_again(form, err, err.status)
    flash(_("Cash-out of %(amount)s requested; it is held until an admin pays it.",
            amount=cny(cashout.amount_cents)), "success")
    return redirect(url_for("ledger.wallet"))


def _cashout_again(form: CashoutForm, err: DomainError | None, status: int) -> Any:
    """The cash-out page again, with the error where it belongs and what was typed kept."""
    problem = None
    if err is not None:
        if err.code in ("below_minimum", "daily_limit_reached", "insufficient_balance"):
            form.amount.errors = [_cashout_error(err)]
        else:
            problem = _cashout_error(err)
    return render_template("clearing/cashout.html",
                           problem=problem, **_cashout_context(current_user.id, form)), status


def _cashout_error(err: DomainError) -> str:
    if err.code == "below_minimum":
        return _("The minimum cash-out is %(amount)s.", amount=cny(setting("CASHOUT_MIN_CENTS")))
    if err.code == "cashout_pending":
        return _("You already have a cash-out waiting for review.")
    if err.code == "daily_limit_reached":
        return _("That would pass today's cash-out maximum of %(amount)s.",
                 amount=cny(setting("CASHOUT_DAILY_MAX_CENTS")))
    if err.code == "insufficient_balance":
        return _("You do not have that many credits.")
    return err.text()


@bp.get("/admin/periods")
@admin_page
def admin_periods() -> Any:
    current = periods.current_period()
    db.session.commit()
    page = periods.list_periods(page_cursor(), 20)
    return render_template("clearing/admin_periods.html", page=page, action=ActionForm(),
                           rate_text=rate_text, current=current)


@bp.get("/admin/periods/<int:period_id>")
@admin_page
def admin_period(period_id: int) -> Any:
    return _admin_period_page(period_id, MarginEntryForm())


def _admin_period_page(period_id: int, form: MarginEntryForm, status: int = 200) -> Any:
    period = periods.get_period(period_id)
    return render_template(
        "clearing/admin_period.html", period=periods.report(period),
        entries=periods.margin_entries(period_id), form=form, action=ActionForm(),
        rate_text=rate_text, margin_memo=margin_memo, run=db.session.get(ClearingRun, period_id),
    ), status


@bp.post("/admin/periods/close")
@admin_page
def admin_close() -> Any:
    if ActionForm().validate_on_submit():
        try:
            closed = periods.close_current(current_user.id)
            db.session.commit()
            flash(_("Period #%(id)s closed; a new one is open.", id=closed.id), "success")
        except DomainError as err:
            db.session.rollback()
            flash(err.text(), "error")
    return redirect(url_for("clearing.admin_periods"))


@bp.post("/admin/periods/<int:period_id>/margin-entries")
@admin_page
def admin_margin_entry(period_id: int) -> Any:
    form = MarginEntryForm()
    if not form.validate_on_submit():
        return _admin_period_page(period_id, form, 422)
    try:
        periods.add_margin_entry(period_id, kind=form.kind.data,
                                 amount_cents=to_cents(form.amount.data),
                                 memo=form.memo.data or "", actor_id=current_user.id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(_("This period is cleared; its margin is final.")
              if err.code == "period_cleared" else err.text(), "error")
        return _admin_period_page(period_id, form, err.status)
    flash(_("Margin entry recorded."), "success")
    return redirect(url_for("clearing.admin_period", period_id=period_id))


@bp.post("/admin/periods/<int:period_id>/clear")
@admin_page
def admin_clear(period_id: int) -> Any:
    if ActionForm().validate_on_submit():
        try:
            result = engine.start_clearing(period_id, actor_id=current_user.id)
            if result is None:
                flash(_("Period #%(id)s is clearing in batches of %(size)s people. The "
                        "scheduler carries it on within a minute; progress shows here.",
                        id=period_id, size=format_number(setting("CLEARING_BATCH_SIZE"))),
                      "success")
            else:
                flash(_("Period #%(id)s cleared: %(paid)s to %(n)s people, %(rate)s.",
                        id=period_id, paid=cny(result["paid_cents"]), n=result["participants"],
                        rate=rate_text(result["rate_cents_per_1000_coins"])), "success")
        except DomainError as err:
            db.session.rollback()
            flash(err.text(), "error")
    return redirect(url_for("clearing.admin_period", period_id=period_id))


@bp.get("/admin/cashouts")
@admin_page
def admin_cashouts() -> Any:
    status = arg_str("status", "pending", max_length=10)
    return _admin_cashouts_page(status if status in CASHOUT_STATUSES else "pending")


def _admin_cashouts_page(status: str, failed: tuple[int, str, Any] | None = None,
                         code: int = 200) -> Any:
    """The list of one status; `failed` = (cashout id, decision, form) re-shows a refused
    decision with the admin's text kept."""
    page, usernames = cashouts.admin_list(status, page_cursor(), 30)
    return render_template("clearing/admin_cashouts.html", page=page, status=status,
                           usernames=usernames, statuses=CASHOUT_STATUSES, failed=failed,
                           approve=ApproveForm(formdata=None), reject=RejectForm(formdata=None)), code


@bp.post("/admin/cashouts/<int:cashout_id>/<any(approve, reject):decision>")
@admin_page
def admin_decide(cashout_id: int, decision: str) -> Any:
    form = ApproveForm() if decision == "approve" else RejectForm()
    if not form.validate_on_submit():
        return _admin_cashouts_page("pending", (cashout_id, decision, form), 422)
    try:
        if decision == "approve":
            cashouts.approve_cashout(cashout_id, actor_id=current_user.id,
                                     external_ref=form.external_ref.data)
        else:
            cashouts.reject_cashout(cashout_id, actor_id=current_user.id, reason=form.reason.data)
        db.session.commit()
        flash(_("Cash-out #%(id)s approved.", id=cashout_id) if decision == "approve"
              else _("Cash-out #%(id)s rejected; the credits went back.", id=cashout_id), "success")
    except DomainError as err:
        db.session.rollback()
        flash(err.text(), "error")
    return redirect(url_for("clearing.admin_cashouts"))


@bp.get("/admin/cashouts/export.csv")
@admin_page
def admin_export() -> Any:
    return Response(cashouts.approved_csv(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=approved-payouts.csv"})
