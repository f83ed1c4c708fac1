"""Cause pages: the list, a cause with its donate and pledge forms, my donations (and the
wallet's link to them), and cause images."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tokenmart.causes import causes_service, giving_service, history_service, images
from tokenmart.causes.admin_views import admin_bp  # noqa: F401 - registered by discovery
from tokenmart.causes.forms import DonateForm, PledgeForm
from tokenmart.causes.integrations import DONOR_BADGE
from tokenmart.causes.models import Cause
from tokenmart.core.i18n import currency_amount
from tokenmart.core.idempotency import claim_form_key, store_form_result
from tokenmart.core.web import arg_str
from tokenmart.earning.badges import held_badges
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.home.views import HOME_SECTIONS
from tokenmart.ledger.service import balances_of
from tokenmart.ledger.views import WALLET_SECTIONS

bp = Blueprint("causes", __name__)
CURSOR_MAX = 100

bp.add_app_template_global(images.cause_image_url, "cause_image_url")
bp.add_app_template_global(causes_service.cause_status, "cause_status")


def _home_section() -> dict[str, Any] | None:
    """"Causes" on the home page (phones reach causes from here): the newest not closed."""
    page = causes_service.list_causes(None, 3, include_closed=False)
    if not page.items:
        return None
    return {"template": "causes/_home.html", "causes": page.items,
            "totals": causes_service.totals_for(page.items), "order": 60}


HOME_SECTIONS.append(_home_section)


def _wallet_section(user: Any) -> dict[str, Any] | None:
    """"My donations" on the wallet, for people who have given or pledged (the wallet is
    where one looks for where tokens went); nothing for everyone else."""
    if not history_service.has_given(user.id):
        return None
    return {"template": "causes/_wallet_section.html"}


WALLET_SECTIONS.append(_wallet_section)


def _my_pledge() -> tuple[Any, Cause | None]:
    if not current_user.is_authenticated:
        return None, None
    pledge = giving_service.pledge_of(current_user.id)
    return pledge, (db.session.get(Cause, pledge.cause_id) if pledge else None)


@bp.get("/causes")
def index() -> Any:
    page = causes_service.list_causes(arg_str("cursor", max_length=CURSOR_MAX) or None, 24)
    pledge, pledge_cause = _my_pledge()
    return render_template("causes/index.html", page=page,
                           totals=causes_service.totals_for(page.items), pledge=pledge,
                           pledge_cause=pledge_cause)


@bp.get("/causes/mine")
@login_required
def mine() -> Any:
    """My donations and pledged credits, newest first, with my pledge as it stands."""
    page = history_service.giving_of(current_user.id,
                                     arg_str("cursor", max_length=CURSOR_MAX) or None, 20)
    pledge, pledge_cause = _my_pledge()
    return render_template("causes/mine.html", page=page, pledge=pledge,
                           pledge_cause=pledge_cause)


@bp.get("/causes/images/<path:key>")
def image(key: str) -> Any:
    """Cause images; keys are random and immutable, so browsers may keep them a year."""
    data = images.load_cause_image(key)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _cause_page(cause: Cause, form: DonateForm, pledge_form: PledgeForm,
                status: int = 200) -> Any:
    totals = causes_service.totals_for([cause])[cause.id]
    pledge, _cause = _my_pledge()
    if pledge is not None and pledge.cause_id == cause.id and not pledge_form.percent.data:
        pledge_form.percent.data = pledge.percent
    balances = balances_of(current_user.id) if current_user.is_authenticated else None
    # the page invites to the Donor badge only those who do not hold it yet
    invite_to_badge = (not current_user.is_authenticated
                       or DONOR_BADGE not in held_badges(current_user.id))
    return render_template(
        "causes/cause.html", cause=cause, totals=totals,
        state=causes_service.cause_status(cause),
        progress=causes_service.progress_percent(cause, totals),
        names=causes_service.donor_names(cause.id), form=form, pledge_form=pledge_form,
        pledge=pledge, balances=balances, invite_to_badge=invite_to_badge), status


@bp.get("/causes/<int:cause_id>")
def cause(cause_id: int) -> Any:
    # A fresh key per rendered form: both requests of a double click carry the same one.
    return _cause_page(causes_service.get_cause(cause_id), DonateForm(key=uuid.uuid4().hex),
                       PledgeForm(formdata=None))


def _give_error(err: DomainError) -> str:
    return {
        "insufficient_balance": _("Your balance is too low for this gift."),
        "cause_closed": _("This cause is not taking gifts now."),
    }.get(err.code, err.text())


@bp.post("/causes/<int:cause_id>/donate")
@login_required
def donate(cause_id: int) -> Any:
    item = causes_service.get_cause(cause_id)
    form = DonateForm()
    if not form.validate_on_submit():
        if {"key", "csrf_token"} & set(form.errors):
            flash(_("The form expired; please try again."), "error")
            return redirect(url_for("causes.cause", cause_id=cause_id))
        return _cause_page(item, form, PledgeForm(formdata=None), 422)
    record_id = claim_form_key(current_user.id, "donate", form.key.data, str(cause_id))
    if record_id is None:  # a double click: the first click did (or is doing) the work
        flash(_("Thank you! Your gift is already on its way."), "info")
        return redirect(url_for("causes.cause", cause_id=cause_id))
    try:
        donation = giving_service.donate(current_user.id, cause_id, form.currency.data,
                                         form.amount.data, bool(form.show_name.data))
    except DomainError as err:
        db.session.rollback()
        flash(_give_error(err), "error")
        return redirect(url_for("causes.cause", cause_id=cause_id))
    store_form_result(record_id, giving_service.donation_dict(donation))
    db.session.commit()
    flash(_("Thank you! You gave %(amount)s to %(cause)s.",
            amount=currency_amount(donation.amount, donation.currency), cause=item.local("name")),
          "success")
    return redirect(url_for("causes.cause", cause_id=cause_id))


@bp.post("/causes/<int:cause_id>/pledge")
@login_required
def pledge(cause_id: int) -> Any:
    item = causes_service.get_cause(cause_id)
    form = PledgeForm()
    if not form.validate_on_submit():
        return _cause_page(item, DonateForm(key=uuid.uuid4().hex, formdata=None), form, 422)
    try:
        result = giving_service.set_pledge(current_user.id, cause_id, form.percent.data)
    except DomainError as err:
        db.session.rollback()
        flash(_give_error(err), "error")
        return redirect(url_for("causes.cause", cause_id=cause_id))
    db.session.commit()
    if result is None:
        flash(_("Your pledge is removed."), "success")
    else:
        flash(_("From the next clearing, %(percent)s%% of your credits go to %(cause)s.",
                percent=result.percent, cause=item.local("name")), "success")
    return redirect(url_for("causes.cause", cause_id=cause_id))
