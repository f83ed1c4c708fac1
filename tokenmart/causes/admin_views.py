"""The admin's cause pages under /admin/causes: list, create/edit (with image), close,
and payouts of a cause's credits to its organisation (with a payment reference)."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tokenmart.accounts.auth import admin_page
from tokenmart.admin.views import ADMIN_NAV
from tokenmart.causes import causes_service, payouts_service
from tokenmart.causes.forms import ActionForm, CauseForm, PayoutForm
from tokenmart.causes.models import Cause
from tokenmart.clearing.forms import to_cents
from tokenmart.core.clock import app_timezone
from tokenmart.core.content_forms import (
    fill_translations,
    translation_fields,
    translations_from_form,
)
from tokenmart.core.i18n import currency_amount
from tokenmart.core.idempotency import claim_form_key, store_form_result
from tokenmart.errors import DomainError
from tokenmart.extensions import db

admin_bp = Blueprint("causes_admin", __name__, url_prefix="/admin/causes")

# The back office lists its pages in one table; causes sit after the cash-outs.
if not any(endpoint == "causes_admin.index" for endpoint, _words in ADMIN_NAV):
    _after = next((i + 1 for i, (e, _w) in enumerate(ADMIN_NAV)
                   if e == "clearing.admin_cashouts"), len(ADMIN_NAV))
    ADMIN_NAV.insert(_after, ("causes_admin.index", _l("Causes")))


def _local(value: Any) -> Any:
    return value.astimezone(app_timezone()).replace(tzinfo=None) if value else None


def _utc(value: Any) -> Any:
    return value.replace(tzinfo=app_timezone()).astimezone(UTC) if value else None


def _form_data(form: CauseForm) -> dict[str, Any]:
    return {"name": form.name.data, "description": form.description.data or "",
            "goal_coins": form.goal_coins.data, "starts_at": _utc(form.starts_at.data),
            "ends_at": _utc(form.ends_at.data), "translations": translations_from_form(form)}


def _image_error(err: DomainError) -> str | None:
    return {
        "photo_too_large": _("Images may be at most 5 MB."),
        "photo_too_many_pixels": _("That image has too many pixels."),
        "unsupported_photo": _("Upload a JPEG, PNG or WebP image."),
    }.get(err.code)


def _show_errors(form: CauseForm, err: DomainError) -> None:
    """Put a service's refusal on the form's fields, in the reader's language."""
    image_text = _image_error(err)
    if image_text or "photo" in (err.details.get("fields") or {}):
        form.image.errors = [*form.image.errors, image_text or _("The image file is empty.")]
        return
    fields = err.details.get("fields") or {}
    if "ends_at" in fields:
        form.ends_at.errors = [*form.ends_at.errors, _("The end must come after the start.")]
    elif "translations" in fields:
        _show_translation_error(form, [err.text()])  # it says which one and why
    else:
        flash(err.text(), "error")


def _show_translation_error(form: Any, messages: list[str]) -> None:
    """The service's refusal of a translation, on the first filled translation field (so
    the folded translations open on it) rather than a page-wide message."""
    fields = [f for f, _lang in translation_fields(form)]
    target = next((f for f in fields if f.data), fields[0])
    target.errors = [*target.errors, *messages]


def _apply_image(form: CauseForm, item: Cause) -> None:
    upload = form.image.data
    if upload is not None and getattr(upload, "filename", ""):
        causes_service.set_cause_image(current_user.id, item.id, upload.stream)
    elif getattr(form, "remove_image", None) and form.remove_image.data and item.image_key:
        causes_service.set_cause_image(current_user.id, item.id, None)


@admin_bp.get("")
@admin_page
def index() -> Any:
    causes = list(db.session.execute(
        db.select(Cause).order_by(Cause.id.desc())).scalars())
    return render_template("causes/admin_index.html", causes=causes,
                           totals=causes_service.totals_for(causes),
                           status=causes_service.cause_status)


@admin_bp.route("/new", methods=["GET", "POST"])
@admin_page
def new() -> Any:
    form = CauseForm()
    del form.remove_image  # nothing to remove yet
    if form.validate_on_submit():
        try:
            item = causes_service.create_cause(current_user.id, _form_data(form))
            _apply_image(form, item)
        except DomainError as err:
            db.session.rollback()  # a refused image creates no cause either
            _show_errors(form, err)
            return render_template("causes/admin_form.html", form=form, cause=None), 422
        db.session.commit()
        flash(_("Cause “%(name)s” created.", name=item.name), "success")
        return redirect(url_for("causes_admin.index"))
    status = 422 if form.errors else 200
    return render_template("causes/admin_form.html", form=form, cause=None), status


@admin_bp.route("/<int:cause_id>/edit", methods=["GET", "POST"])
@admin_page
def edit(cause_id: int) -> Any:
    item = db.session.get(Cause, cause_id) or abort(404)
    form = CauseForm(obj=item)
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = _local(item.starts_at), _local(item.ends_at)
        fill_translations(form, item.translations)
    if form.validate_on_submit():
        try:
            causes_service.update_cause(current_user.id, cause_id, _form_data(form))
            _apply_image(form, item)
        except DomainError as err:
            db.session.rollback()
            _show_errors(form, err)
            item = db.session.get(Cause, cause_id) or abort(404)
            return render_template("causes/admin_form.html", form=form, cause=item,
                                   close_form=ActionForm()), 422
        db.session.commit()
        flash(_("Cause saved."), "success")
        return redirect(url_for("causes_admin.index"))
    status = 422 if form.errors else 200
    return render_template("causes/admin_form.html", form=form, cause=item,
                           close_form=ActionForm()), status


@admin_bp.post("/<int:cause_id>/close")
@admin_page
def close(cause_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
    else:
        causes_service.close_cause(current_user.id, cause_id)
        db.session.commit()
        flash(_("The cause is closed: no more gifts or pledges."), "success")
    return redirect(url_for("causes_admin.index"))


def _payouts_page(item: Cause, form: PayoutForm, status: int = 200) -> Any:
    totals = causes_service.totals_for([item])[item.id]
    return render_template("causes/admin_payouts.html", cause=item, form=form, totals=totals,
                           held=payouts_service.credits_held(item),
                           payouts=payouts_service.payouts_of(item.id)), status


@admin_bp.route("/<int:cause_id>/payouts", methods=["GET", "POST"])
@admin_page
def payouts(cause_id: int) -> Any:
    item = db.session.get(Cause, cause_id) or abort(404)
    if request.method == "GET":
        return _payouts_page(item, PayoutForm(key=uuid.uuid4().hex))
    form = PayoutForm()
    if not form.validate_on_submit():
        return _payouts_page(item, form, 422)
    record_id = claim_form_key(current_user.id, "cause-payout", form.key.data, str(cause_id))
    if record_id is None:  # a double click: the first one recorded it
        return redirect(url_for("causes_admin.payouts", cause_id=cause_id))
    try:
        payout = payouts_service.record_payout(current_user.id, cause_id,
                                               to_cents(form.amount.data), form.reference.data)
    except DomainError as err:
        db.session.rollback()
        if err.code == "insufficient_balance":
            form.amount.errors = [_("The cause holds less than this.")]
        else:
            flash(err.text(), "error")
        # the rollback freed the key: the same form (as typed) may be sent again
        return _payouts_page(db.session.get(Cause, cause_id) or abort(404), form, 422)
    store_form_result(record_id, {"id": payout.id})
    db.session.commit()
    flash(_("Paid %(amount)s to the organisation (reference %(ref)s).",
            amount=currency_amount(payout.amount_cents, "credit"), ref=payout.reference),
          "success")
    return redirect(url_for("causes_admin.payouts", cause_id=cause_id))

