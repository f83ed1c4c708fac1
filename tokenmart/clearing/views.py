"""Pages: the wallet's clearing section and cash-out form; admin periods and cash-outs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tokenmart.accounts.auth import admin_page
from tokenmart.clearing import cashouts, checks, engine, periods  # noqa: F401 - checks registers
from tokenmart.clearing.chart import rate_chart
from tokenmart.clearing.forms import (
    ActionForm,
    ApproveForm,
    CashoutForm,
    MarginEntryForm,
    RejectForm,
    to_cents,
)
from tokenmart.clearing.settings import install_defaults, setting
from tokenmart.core.i18n import cny
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.ledger.kinds import register_kind
from tokenmart.ledger.views import WALLET_SECTIONS
from tokenmart.notifications.service import register_renderer

bp = Blueprint("clearing", __name__)
bp.record_once(lambda state: install_defaults(state.app))


def rate_text(rate_cents: int | None) -> str:
    """'1,000 coins = 0.53 CNY' in the reader's language."""
    if rate_cents is None:
        return _("not known yet")
    return _("1,000 coins = %(amount)s CNY", amount=f"{rate_cents // 100}.{rate_cents % 100:02d}")


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


def wallet_section(user: Any) -> dict[str, Any]:
    history = periods.rate_history()
    last = history[-1] if history else None
    return {
        "template": "clearing/_wallet_section.html",
        "last_rate": rate_text(last["rate_cents_per_1000_coins"]) if last else None,
        "last_period": last,
        "chart": rate_chart(history),
        "cashout_form": CashoutForm(),
        "cashouts": cashouts.history_for(user.id, None, 10).items,
        "cashout_min": setting("CASHOUT_MIN_CENTS"),
        "cashout_max": setting("CASHOUT_DAILY_MAX_CENTS"),
    }


WALLET_SECTIONS.append(wallet_section)


@bp.post("/wallet/cashouts")
@login_required
def request_cashout() -> Any:
    form = CashoutForm()
    if not form.validate_on_submit():
        flash(_("Enter an amount in CNY, e.g. 5.00."), "error")
        return redirect(url_for("ledger.wallet"))
    try:
        cashout = cashouts.request_cashout(current_user.id, to_cents(form.amount.data))
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(_cashout_error(err), "error")
    else:
        flash(_("Cash-out of %(amount)s requested; it is held until an admin pays it.",
                amount=cny(cashout.amount_cents)), "success")
    return redirect(url_for("ledger.wallet"))


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
    return err.message


@bp.get("/admin/periods")
@admin_page
def admin_periods() -> Any:
    periods.current_period()
    db.session.commit()
    page = periods.list_periods(request.args.get("cursor"), 20)
    return render_template("clearing/admin_periods.html", page=page, action=ActionForm(),
                           rate_text=rate_text)


@bp.get("/admin/periods/<int:period_id>")
@admin_page
def admin_period(period_id: int) -> Any:
    period = periods.get_period(period_id)
    return render_template(
        "clearing/admin_period.html", period=periods.report(period),
        entries=periods.margin_entries(period_id), form=MarginEntryForm(), action=ActionForm(),
        rate_text=rate_text,
    )


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
            flash(err.message, "error")
    return redirect(url_for("clearing.admin_periods"))


@bp.post("/admin/periods/<int:period_id>/margin-entries")
@admin_page
def admin_margin_entry(period_id: int) -> Any:
    form = MarginEntryForm()
    if form.validate_on_submit():
        try:
            periods.add_margin_entry(period_id, kind=form.kind.data,
                                     amount_cents=to_cents(form.amount.data),
                                     memo=form.memo.data or "", actor_id=current_user.id)
            db.session.commit()
            flash(_("Margin entry recorded."), "success")
        except DomainError as err:
            db.session.rollback()
            flash(_("This period is cleared; its margin is final.")
                  if err.code == "period_cleared" else err.message, "error")
    else:
        flash(_("Enter a kind and an amount in CNY."), "error")
    return redirect(url_for("clearing.admin_period", period_id=period_id))


@bp.post("/admin/periods/<int:period_id>/clear")
@admin_page
def admin_clear(period_id: int) -> Any:
    if ActionForm().validate_on_submit():
        try:
            result = engine.clear_period(period_id, actor_id=current_user.id)
            flash(_("Period #%(id)s cleared: %(paid)s to %(n)s people, %(rate)s.",
                    id=period_id, paid=cny(result["paid_cents"]), n=result["participants"],
                    rate=rate_text(result["rate_cents_per_1000_coins"])), "success")
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("clearing.admin_period", period_id=period_id))


@bp.get("/admin/cashouts")
@admin_page
def admin_cashouts() -> Any:
    status = request.args.get("status") or "pending"
    if status not in ("pending", "approved", "rejected"):
        status = "pending"
    page = cashouts.list_cashouts(status, request.args.get("cursor"), 30)
    return render_template("clearing/admin_cashouts.html", page=page, status=status,
                           approve=ApproveForm(), reject=RejectForm())


@bp.post("/admin/cashouts/<int:cashout_id>/<string:decision>")
@admin_page
def admin_decide(cashout_id: int, decision: str) -> Any:
    form = ApproveForm() if decision == "approve" else RejectForm()
    if decision not in ("approve", "reject") or not form.validate_on_submit():
        flash(_("Fill in the payment reference or the reason."), "error")
        return redirect(url_for("clearing.admin_cashouts"))
    try:
        if decision == "approve":
            cashouts.approve_cashout(cashout_id, actor_id=current_user.id,
                                     external_ref=form.external_ref.data)
        else:
            cashouts.reject_cashout(cashout_id, actor_id=current_user.id, reason=form.reason.data)
        db.session.commit()
        flash(_("Cash-out #%(id)s %(what)s.", id=cashout_id,
                what=_("approved") if decision == "approve" else _("rejected")), "success")
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("clearing.admin_cashouts"))


@bp.get("/admin/cashouts/export.csv")
@admin_page
def admin_export() -> Any:
    return Response(cashouts.approved_csv(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=approved-payouts.csv"})
