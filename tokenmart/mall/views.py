"""Mall pages: the mall, a reward with its Redeem button, My redemptions, and the
admin's catalog, voucher-code upload and fulfilment list under /admin/mall."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from tokenmart.accounts.auth import admin_page
from tokenmart.core.clock import app_timezone, utcnow
from tokenmart.core.idempotency import IdempotencyRecord
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.home.views import HOME_SECTIONS
from tokenmart.ledger.service import balances_of
from tokenmart.mall import service
from tokenmart.mall.forms import CodesUploadForm, RedeemForm, RewardForm, ShipForm
from tokenmart.mall.models import Reward

bp = Blueprint("mall", __name__)
TIER_FIELDS = ("silver", "gold", "platinum")


def _home_section() -> dict[str, Any] | None:
    """"From the mall" on the home page: the newest few rewards open now."""
    page = service.list_rewards(None, 4)
    if not page.items:
        return None
    return {"template": "mall/_home.html", "mall_rewards": page.items, "tier": _tier()}


HOME_SECTIONS.append(_home_section)


def _tier() -> str:
    return current_user.tier if current_user.is_authenticated else "member"


@bp.get("/mall")
def index() -> Any:
    page = service.list_rewards(request.args.get("cursor"), 24)
    balances = balances_of(current_user.id) if current_user.is_authenticated else None
    return render_template("mall/index.html", page=page, balances=balances, tier=_tier())


@bp.get("/mall/rewards/<int:reward_id>")
def reward(reward_id: int) -> Any:
    item = service.get_open_reward(reward_id)
    form = RedeemForm(key=uuid.uuid4().hex)
    balances = balances_of(current_user.id) if current_user.is_authenticated else None
    used = (service.redemption_counts(current_user.id).get(item.id, 0)
            if current_user.is_authenticated else 0)
    return render_template("mall/reward.html", reward=item, form=form, balances=balances,
                           tier=_tier(), used=used)


def _claim_web_key(user_id: int, reward_id: int, key: str) -> int | None:
    """Claim the form's key like @idempotent does for the API; None if already used."""
    try:
        with db.session.begin_nested():
            return db.session.execute(
                sa.insert(IdempotencyRecord).values(
                    user_id=user_id, key=f"web-redeem:{key}", created_at=utcnow(),
                    fingerprint=hashlib.sha256(f"redeem:{reward_id}".encode()).hexdigest())
                .returning(IdempotencyRecord.id)
            ).scalar_one()
    except IntegrityError:
        db.session.rollback()
        return None


@bp.post("/mall/rewards/<int:reward_id>/redeem")
@login_required
def redeem(reward_id: int) -> Any:
    form = RedeemForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("mall.reward", reward_id=reward_id))
    record_id = _claim_web_key(current_user.id, reward_id, form.key.data)
    if record_id is None:  # a double click: the first click did (or is doing) the work
        flash(_("Already redeemed: see My redemptions."), "info")
        return redirect(url_for("mall.redemptions"))
    try:
        result = service.redeem_reward(reward_id, current_user.id, current_user.tier,
                                       form.shipping_address.data)
    except DomainError as err:
        db.session.rollback()
        flash(_redeem_error(err), "error")
        return redirect(url_for("mall.reward", reward_id=reward_id))
    db.session.execute(
        sa.update(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
        .values(status_code=201, response_body=json.dumps(asdict(result)))
    )
    db.session.commit()
    if result.grant.get("voucher_code"):
        flash(_("Redeemed! Your code is %(code)s. Balance: %(balance)s.",
                code=result.grant["voucher_code"], balance=result.balance_after), "success")
    else:
        flash(_("Redeemed! Balance: %(balance)s.", balance=result.balance_after), "success")
    return redirect(url_for("mall.redemptions"))


def _redeem_error(err: DomainError) -> str:
    return {
        "out_of_stock": _("Sorry, this reward is sold out."),
        "insufficient_balance": _("Your balance is too low for this reward."),
        "limit_reached": _("You have redeemed this reward as often as allowed."),
        "validation_error": _("Please enter a shipping address."),
        "not_found": _("This reward is not available any more."),
    }.get(err.code, err.message)


@bp.get("/mall/redemptions")
@login_required
def redemptions() -> Any:
    page = service.redemptions_of(current_user.id, request.args.get("cursor"), 20)
    names = service.reward_names(r.reward_id for r in page.items)
    return render_template("mall/redemptions.html", page=page, names=names,
                           balances=balances_of(current_user.id))


# ---------------------------------------------------------------- admin


def _local(value: Any) -> Any:
    return value.astimezone(app_timezone()).replace(tzinfo=None) if value else None


def _utc(value: Any) -> Any:
    return value.replace(tzinfo=app_timezone()).astimezone(UTC) if value else None


def _form_data(form: RewardForm) -> dict[str, Any]:
    tier_prices = {t: getattr(form, f"price_{t}").data for t in TIER_FIELDS
                   if getattr(form, f"price_{t}").data}
    return {
        "name": form.name.data, "description": form.description.data or "",
        "image_url": form.image_url.data or "", "price": form.price.data,
        "tier_prices": tier_prices, "stock": form.stock.data,
        "per_user_limit": form.per_user_limit.data, "starts_at": _utc(form.starts_at.data),
        "ends_at": _utc(form.ends_at.data), "active": bool(form.active.data),
    }


def _show_field_errors(form: RewardForm, err: DomainError) -> None:
    fields = err.details.get("fields") or {}
    for name, messages in fields.items():
        target = {"grant.template_id": "coupon_template_id", "grant.pack_id": "coupon_pack_id",
                  "grant.type": "grant_type",
                  "tier_prices": "price_gold"}.get(name, name)
        field = getattr(form, target, None)
        if field is not None:
            field.errors = [*field.errors, *messages]
    if not fields:
        flash(err.message, "error")


@bp.get("/admin/mall/rewards")
@admin_page
def admin_rewards() -> Any:
    return render_template("mall/admin_rewards.html", rewards=service.list_all_rewards())


@bp.route("/admin/mall/rewards/new", methods=["GET", "POST"])
@admin_page
def admin_new_reward() -> Any:
    form = RewardForm()
    if form.validate_on_submit():
        data = {**_form_data(form), "currency": form.currency.data,
                "grant": {"type": form.grant_type.data,
                          "template_id": form.coupon_template_id.data,
                          "pack_id": form.coupon_pack_id.data}}
        try:
            item = service.create_reward(current_user.id, data)
        except DomainError as err:
            db.session.rollback()
            _show_field_errors(form, err)
            return render_template("mall/admin_reward_form.html", form=form, reward=None), 422
        db.session.commit()
        flash(_("Reward “%(name)s” created.", name=item.name), "success")
        if item.grant_type == "voucher_codes":
            return redirect(url_for("mall.admin_codes", reward_id=item.id))
        return redirect(url_for("mall.admin_rewards"))
    return render_template("mall/admin_reward_form.html", form=form, reward=None)


@bp.route("/admin/mall/rewards/<int:reward_id>/edit", methods=["GET", "POST"])
@admin_page
def admin_edit_reward(reward_id: int) -> Any:
    item = db.session.get(Reward, reward_id) or abort(404)
    form = RewardForm(obj=item)
    del form.currency, form.grant_type, form.coupon_template_id, form.coupon_pack_id  # fixed
    if request.method == "GET":
        for tier in TIER_FIELDS:
            getattr(form, f"price_{tier}").data = item.tier_prices.get(tier)
        form.starts_at.data, form.ends_at.data = _local(item.starts_at), _local(item.ends_at)
    if form.validate_on_submit():
        data = _form_data(form)
        if item.grant_type == "voucher_codes":
            data.pop("stock")
        try:
            service.update_reward(current_user.id, reward_id, data)
        except DomainError as err:
            db.session.rollback()
            _show_field_errors(form, err)
            return render_template("mall/admin_reward_form.html", form=form, reward=item), 422
        db.session.commit()
        flash(_("Reward saved."), "success")
        return redirect(url_for("mall.admin_rewards"))
    return render_template("mall/admin_reward_form.html", form=form, reward=item)


@bp.route("/admin/mall/rewards/<int:reward_id>/codes", methods=["GET", "POST"])
@admin_page
def admin_codes(reward_id: int) -> Any:
    item = db.session.get(Reward, reward_id) or abort(404)
    if item.grant_type != "voucher_codes":
        abort(404)
    form = CodesUploadForm()
    if form.validate_on_submit():
        try:
            codes = service.parse_codes_csv(form.file.data.read())
            added = service.add_voucher_codes(current_user.id, item, codes)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("mall/admin_codes.html", form=form, reward=item,
                                   left=service.codes_left(item.id)), 422
        db.session.commit()
        flash(_("%(added)s codes added (%(skipped)s already loaded).", added=added,
                skipped=len(codes) - added), "success")
        return redirect(url_for("mall.admin_codes", reward_id=item.id))
    return render_template("mall/admin_codes.html", form=form, reward=item,
                           left=service.codes_left(item.id))


@bp.get("/admin/mall/fulfilment")
@admin_page
def admin_fulfilment() -> Any:
    status = request.args.get("status", "pending")
    if status not in ("pending", "shipped"):
        status = "pending"
    page = service.fulfilment_list(status, request.args.get("cursor"), 50)
    names = service.reward_names(r.reward_id for r in page.items)
    return render_template("mall/admin_fulfilment.html", page=page, names=names, status=status,
                           form=ShipForm())


@bp.post("/admin/mall/redemptions/<int:redemption_id>/ship")
@admin_page
def admin_ship(redemption_id: int) -> Any:
    form = ShipForm()
    if form.validate_on_submit():
        try:
            service.mark_shipped(current_user.id, redemption_id, form.tracking_no.data)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
            return redirect(url_for("mall.admin_fulfilment"))
        db.session.commit()
        flash(_("Marked as shipped."), "success")
    return redirect(url_for("mall.admin_fulfilment"))
