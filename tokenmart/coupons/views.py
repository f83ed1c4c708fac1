"""Pages: Campaigns, a drive (the link friends open), My coupons, the merchant verify page."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from tokenmart.accounts.auth import role_page
from tokenmart.core.clock import utcnow
from tokenmart.core.content_i18n import local
from tokenmart.core.i18n import cny
from tokenmart.core.limits import earning_limit
from tokenmart.core.web import arg_str
from tokenmart.coupons import campaigns_service as campaigns
from tokenmart.coupons import coupon_service as coupons
from tokenmart.coupons import offers
from tokenmart.coupons.admin_views import admin_bp  # noqa: F401 - registered by discovery
from tokenmart.coupons.forms import ActionForm, VerifyForm
from tokenmart.coupons.models import Drive
from tokenmart.coupons.qr import qr_svg
from tokenmart.errors import DomainError
from tokenmart.extensions import db, limiter
from tokenmart.home.views import HOME_SECTIONS

bp = Blueprint("coupons", __name__)

STATUS_TABS = ("active", "redeemed", "expired")


def time_left(drive: Drive) -> str:
    """What the live countdown shows before its first tick: `1 d 02:03:04` or `02:03:04`
    (the same shape as static/js/app.js draws), or the expired text at zero."""
    seconds = int((drive.expires_at - utcnow()).total_seconds())
    if seconds <= 0:
        return _("Time is up")
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return (days_format().replace("%d", str(days)) + clock) if days else clock


def days_format() -> str:
    """How the countdown writes whole days ("%d d " / "%d 天 ")."""
    return _("%d d ")


def iso_utc(moment: datetime) -> str:
    """An aware datetime as ISO 8601 UTC with a Z, which every browser's Date.parse reads."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fail(err: DomainError) -> None:
    db.session.rollback()
    flash(_error_texts().get(err.code, err.text()), "error")


def _error_texts() -> dict[str, str]:
    return {
        "own_drive": _("This is your own drive: share the link with friends instead."),
        "already_assisted": _("You already helped this drive. Thank you!"),
        "drive_completed": _("This drive is already complete."),
        "drive_expired": _("This drive has expired."),
        "assist_limit_reached": _("You have helped as many friends today as allowed."),
        "drive_limit_reached": _("You started as many drives today as allowed."),
        "sold_out": _("Sorry, this coupon is sold out."),
        "not_eligible": _("You are not eligible for this coupon."),
        "limit_reached": _("You already claimed as many of these as allowed."),
        "coupon_not_active": _("This coupon is not active (used, expired or voided)."),
        "below_min_spend": _("The order does not reach this coupon's minimum spend."),
        "not_found": _("Not found."),
    }


def _helpers() -> dict[str, Any]:
    """What the macros in templates/coupons/_coupon_macros.html call: the countdown's
    parts and where a coupon can be used."""
    return {"time_left": time_left, "iso_utc": iso_utc, "days_format": days_format(),
            "where_usable": offers.where_usable}


@bp.get("/campaigns", endpoint="campaigns")
def campaigns_page() -> Any:
    mine = campaigns.recent_drives(current_user.id) if current_user.is_authenticated else []
    return render_template("coupons/campaigns.html", campaigns=campaigns.running_campaigns(),
                           drives=mine, form=ActionForm(), **_helpers())


@bp.post("/campaigns/<int:campaign_id>/drives")
@login_required
@limiter.limit(earning_limit)
def start_drive(campaign_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("coupons.campaigns"))
    try:
        drive = campaigns.start_drive(campaign_id, current_user.id)
    except DomainError as err:
        _fail(err)
        return redirect(url_for("coupons.campaigns"))
    db.session.commit()
    flash(_("Your drive is open: share this page's link with friends."), "success")
    return redirect(url_for("coupons.drive", code=drive.code))


@bp.get("/d/<code>")
def drive(code: str) -> Any:
    try:
        found = campaigns.get_drive(code)
    except DomainError:
        return render_template("error.html", status=404, code="not_found",
                               message=_("No such drive.")), 404
    db.session.commit()  # keeps a lazily expired drive expired
    signed_in = current_user.is_authenticated
    is_owner = signed_in and current_user.id == found.owner_id
    helped = signed_in and campaigns.has_assisted(found.id, current_user.id)
    share_url = url_for("coupons.drive", code=found.code, _external=True)
    return render_template(
        "coupons/drive.html", drive=found, form=ActionForm(), helped=helped,
        is_owner=is_owner, share_url=share_url, qr=qr_svg(share_url),
        # a friend who helped (or came too late) is invited to start a drive of their own
        start_own=(signed_in and not is_owner and (helped or found.current_status != "open")
                   and campaigns.is_running(found.campaign)),
        **_helpers(),
    )


@bp.post("/d/<code>/help")
@login_required
@limiter.limit(earning_limit)
def help_drive(code: str) -> Any:
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("coupons.drive", code=code))
    try:
        result = campaigns.assist_drive(code, current_user.id)
    except DomainError as err:
        _fail(err)
        return redirect(url_for("coupons.drive", code=code))
    db.session.commit()
    message = _("Thanks for helping!")
    if result.coins:
        message += " " + _("You got %(n)s coins.", n=result.coins)
    if result.coupon is not None:
        message += " " + _("You got a coupon: %(name)s.",
                           name=local(result.coupon.template, "name"))
    flash(message, "success")
    return redirect(url_for("coupons.drive", code=code))


@bp.get("/coupons")
@login_required
def mine() -> Any:
    status = arg_str("status", "active", max_length=20)
    if status not in STATUS_TABS:
        status = "active"
    page = coupons.list_coupons(current_user.id, status, arg_str("cursor", max_length=200) or None,
                                30)
    return render_template("coupons/mine.html", page=page, status=status, tabs=STATUS_TABS,
                           offers=offers.offers_for(current_user.id), form=ActionForm(),
                           **_helpers())


@bp.post("/coupon-templates/<int:template_id>/claim")
@login_required
def claim(template_id: int) -> Any:
    if ActionForm().validate_on_submit():
        try:
            coupon = coupons.claim_coupon(template_id, current_user.id)
        except DomainError as err:
            _fail(err)
        else:
            db.session.commit()
            flash(_("Claimed: %(name)s", name=local(coupon.template, "name")), "success")
    return redirect(url_for("coupons.mine"))


@bp.post("/coupon-packs/<int:pack_id>/claim")
@login_required
def claim_pack(pack_id: int) -> Any:
    if ActionForm().validate_on_submit():
        try:
            issued = coupons.claim_pack(pack_id, current_user.id)
        except DomainError as err:
            _fail(err)
        else:
            db.session.commit()
            flash(ngettext("Claimed %(num)s coupon.", "Claimed %(num)s coupons.", len(issued)),
                  "success")
    return redirect(url_for("coupons.mine"))


def _cents(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


@bp.route("/merchant/verify", methods=["GET", "POST"])
@role_page("merchant")
def merchant_verify() -> Any:
    form = VerifyForm()
    result: dict[str, Any] | None = None
    if form.validate_on_submit():
        amount, fee = _cents(form.order_amount.data), _cents(form.shipping_fee.data)
        try:
            if form.redeem.data:
                coupon, discount = coupons.redeem_coupon(
                    form.code.data, order_amount_cents=amount, redeemed_by=current_user.id,
                    shipping_fee_cents=fee)
                db.session.commit()
                flash(_("Redeemed: %(discount)s off.", discount=cny(discount)), "success")
            else:
                coupon = coupons.find_coupon(form.code.data)
                discount = coupons.quote_discount(form.code.data, None, amount,
                                                  shipping_fee_cents=fee)
            result = {"coupon": coupon, "discount": discount, "redeemed": bool(form.redeem.data),
                      "to_pay": max(0, amount + fee - discount)}
        except DomainError as err:
            _fail(err)
    return render_template("coupons/merchant.html", form=form, result=result, **_helpers())


def _home_section() -> dict[str, Any] | None:
    running = campaigns.running_campaigns()[:3]
    if not running:
        return None
    return {"template": "coupons/_home.html", "home_campaigns": running}


HOME_SECTIONS.append(_home_section)
