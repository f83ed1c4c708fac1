"""Mall pages: the mall, a reward with its Redeem button, My redemptions and one of them,
reward images, and the admin's catalog, voucher-code upload and fulfilment list under
/admin/mall."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tokenmart.accounts.auth import admin_page
from tokenmart.core.clock import app_timezone
from tokenmart.core.content_forms import fill_translations, translations_from_form
from tokenmart.core.i18n import currency_amount
from tokenmart.core.idempotency import claim_form_key, form_result, store_form_result
from tokenmart.core.replicas import reads_replica
from tokenmart.core.web import arg_str
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.home.views import HOME_SECTIONS
from tokenmart.ledger.service import balances_of
from tokenmart.mall import admin_service, catalog_service, images
from tokenmart.mall.forms import CodesUploadForm, RedeemForm, RewardForm, ShipForm
from tokenmart.mall.models import SHIPPING_STATES, Reward
from tokenmart.mall.redeem_service import redeem_reward

bp = Blueprint("mall", __name__)
TIER_FIELDS = ("silver", "gold", "platinum")
#: a cursor is a short opaque token; anything longer is not one of ours
CURSOR_MAX = 100


bp.add_app_template_global(images.reward_image_url, "reward_image_url")


@bp.app_template_global()
def reward_price(reward: Reward, balances: dict[str, int] | None = None) -> Any:
    """The reader's price for a reward and how much they are short (see PriceView)."""
    user_id = current_user.id if current_user.is_authenticated else None
    return catalog_service.price_view(reward, _tier(), balances, user_id)


@bp.app_template_global()
def reward_state(reward: Reward) -> str:
    return catalog_service.reward_state(reward)


@bp.app_template_global()
def reward_limit_reached(reward: Reward, used_counts: dict[int, int] | None) -> bool:
    """Whether the reader has redeemed `reward` as often as one person may."""
    return catalog_service.at_user_limit(reward, (used_counts or {}).get(reward.id, 0))


def _used_counts() -> dict[int, int]:
    """How often the reader redeemed each reward (their limits), empty when signed out."""
    return (catalog_service.redemption_counts(current_user.id)
            if current_user.is_authenticated else {})


def _home_section() -> dict[str, Any] | None:
    """"From the mall" on the home page: the newest few rewards open now."""
    page = catalog_service.list_rewards(None, 4)
    if not page.items:
        return None
    return {"template": "mall/_home.html", "mall_rewards": page.items, "tier": _tier()}


HOME_SECTIONS.append(_home_section)


def _tier() -> str:
    return current_user.tier if current_user.is_authenticated else "member"


def _balances() -> dict[str, int] | None:
    return balances_of(current_user.id) if current_user.is_authenticated else None


@bp.get("/mall")
@reads_replica
def index() -> Any:
    page = catalog_service.list_rewards(arg_str("cursor", max_length=CURSOR_MAX) or None, 24)
    return render_template("mall/index.html", page=page, balances=_balances(), tier=_tier(),
                           used_counts=_used_counts())


@bp.get("/mall/images/<path:key>")
def image(key: str) -> Any:
    """Reward images, served by the app itself; keys are random and immutable, so
    browsers may keep them a year."""
    data = images.load_reward_image(key)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/mall/rewards/<int:reward_id>")
@reads_replica
def reward(reward_id: int) -> Any:
    # A fresh key per rendered form: both requests of a double click carry the same one.
    return _reward_page(catalog_service.get_open_reward(reward_id),
                        RedeemForm(key=uuid.uuid4().hex))


def _reward_page(item: Reward, form: RedeemForm, status: int = 200) -> Any:
    used_counts = _used_counts()
    return render_template("mall/reward.html", reward=item, form=form, balances=_balances(),
                           tier=_tier(), used=used_counts.get(item.id, 0),
                           used_counts=used_counts), status


def _earlier_redemption(user_id: int, reward_id: int, key: str) -> int | None:
    """The redemption the first submission of this form made, once it has committed."""
    earlier = form_result(user_id, "redeem", key, str(reward_id))
    return None if earlier is None else int(earlier["id"])


@bp.post("/mall/rewards/<int:reward_id>/redeem")
@login_required
def redeem(reward_id: int) -> Any:
    form = RedeemForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("mall.reward", reward_id=reward_id))
    record_id = claim_form_key(current_user.id, "redeem", form.key.data, str(reward_id))
    if record_id is None:  # a double click: the first click did (or is doing) the work
        flash(_("Already redeemed: here it is."), "info")
        earlier = _earlier_redemption(current_user.id, reward_id, form.key.data)
        if earlier is None:
            return redirect(url_for("mall.redemptions"))
        return redirect(url_for("mall.redemption", redemption_id=earlier))
    try:
        result = redeem_reward(reward_id, current_user.id, current_user.tier,
                               form.shipping_address.data)
    except DomainError as err:
        db.session.rollback()
        if err.code == "validation_error":
            # Stay on the page with the field's error; the rollback freed the key, so
            # the same form (and a double click of it) still redeems once.
            form.shipping_address.errors = [_("Please enter a shipping address.")]
            return _reward_page(catalog_service.get_open_reward(reward_id), form, 422)
        flash(_redeem_error(err), "error")
        return redirect(url_for("mall.reward", reward_id=reward_id))
    store_form_result(record_id, asdict(result))
    db.session.commit()
    flash(_("Redeemed! You paid %(price)s; you have %(balance)s left.",
            price=currency_amount(result.price, result.currency),
            balance=currency_amount(result.balance_after, result.currency)), "success")
    return redirect(url_for("mall.redemption", redemption_id=result.id))


def _redeem_error(err: DomainError) -> str:
    return {
        "out_of_stock": _("Sorry, this reward is sold out."),
        "insufficient_balance": _("Your balance is too low for this reward."),
        "limit_reached": _("You have redeemed this reward as often as allowed."),
        "validation_error": _("Please enter a shipping address."),
        "not_found": _("This reward is not available any more."),
    }.get(err.code) or err.text()


@bp.get("/mall/redemptions")
@login_required
def redemptions() -> Any:
    page = catalog_service.redemptions_of(
        current_user.id, arg_str("cursor", max_length=CURSOR_MAX) or None, 20)
    rewards = catalog_service.rewards_by_id(r.reward_id for r in page.items)
    return render_template("mall/redemptions.html", page=page, rewards=rewards,
                           balances=balances_of(current_user.id))


@bp.get("/mall/redemptions/<int:redemption_id>")
@login_required
def redemption(redemption_id: int) -> Any:
    item, reward_ = catalog_service.get_redemption_of(current_user.id, redemption_id)
    return render_template("mall/redemption.html", redemption=item, reward=reward_)


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
        "stock_buckets": form.stock_buckets.data or 1,
        "per_user_limit": form.per_user_limit.data, "starts_at": _utc(form.starts_at.data),
        "ends_at": _utc(form.ends_at.data), "active": bool(form.active.data),
        "translations": translations_from_form(form),
    }


def _show_field_errors(form: RewardForm, err: DomainError) -> None:
    """Put a service's refusal on the form's fields, in the reader's language."""
    fields = err.details.get("fields") or {}
    image_text = _image_error(err) or (_("The image file is empty.") if "photo" in fields
                                       else None)
    if image_text:
        form.image.errors = [*form.image.errors, image_text]
        return
    for name, messages in err.field_texts().items():
        tier = err.params.get("tier") if name == "tier_prices" else None
        target = {"grant.template_id": "coupon_template_id", "grant.pack_id": "coupon_pack_id",
                  "grant.type": "grant_type",
                  "tier_prices": f"price_{tier}" if tier in admin_service.TIERS
                  else "price_gold"}.get(name, name)
        field = getattr(form, target, None)
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            for message in messages:
                flash(message, "error")
    if not fields:
        flash(err.text(), "error")


def _image_error(err: DomainError) -> str | None:
    return {
        "photo_too_large": _("Images may be at most 5 MB."),
        "photo_too_many_pixels": _("That image has too many pixels."),
        "unsupported_photo": _("Upload a JPEG, PNG or WebP image."),
    }.get(err.code)


def _uploaded_image(form: RewardForm) -> Any:
    upload = form.image.data
    return upload if upload is not None and getattr(upload, "filename", "") else None


def _apply_image(form: RewardForm, item: Reward) -> None:
    """The image part of the admin form: a new upload replaces, the box removes."""
    upload = _uploaded_image(form)
    if upload is not None:
        admin_service.set_reward_image(current_user.id, item, upload.stream)
    elif getattr(form, "remove_image", None) and form.remove_image.data and item.image_key:
        admin_service.remove_reward_image(current_user.id, item)


@bp.get("/admin/mall/rewards")
@admin_page
def admin_rewards() -> Any:
    return render_template("mall/admin_rewards.html", rewards=catalog_service.list_all_rewards())


@bp.route("/admin/mall/rewards/new", methods=["GET", "POST"])
@admin_page
def admin_new_reward() -> Any:
    form = RewardForm()
    del form.remove_image  # nothing to remove yet
    if form.validate_on_submit():
        data = {**_form_data(form), "currency": form.currency.data,
                "grant": {"type": form.grant_type.data,
                          "template_id": form.coupon_template_id.data,
                          "pack_id": form.coupon_pack_id.data}}
        try:
            item = admin_service.create_reward(current_user.id, data)
            _apply_image(form, item)
        except DomainError as err:
            db.session.rollback()  # a refused image creates no reward either
            _show_field_errors(form, err)
            return render_template("mall/admin_reward_form.html", form=form, reward=None), 422
        db.session.commit()
        flash(_("Reward “%(name)s” created.", name=item.name), "success")
        if item.grant_type == "voucher_codes":
            return redirect(url_for("mall.admin_codes", reward_id=item.id))
        return redirect(url_for("mall.admin_rewards"))
    status = 422 if form.errors else 200
    return render_template("mall/admin_reward_form.html", form=form, reward=None), status


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
        fill_translations(form, item.translations)
    if form.validate_on_submit():
        data = _form_data(form)
        if item.grant_type == "voucher_codes":
            data.pop("stock")
        try:
            admin_service.update_reward(current_user.id, reward_id, data)
            _apply_image(form, item)
        except DomainError as err:
            db.session.rollback()
            _show_field_errors(form, err)
            item = db.session.get(Reward, reward_id) or abort(404)
            return render_template("mall/admin_reward_form.html", form=form, reward=item), 422
        db.session.commit()
        flash(_("Reward saved."), "success")
        return redirect(url_for("mall.admin_rewards"))
    status = 422 if form.errors else 200
    return render_template("mall/admin_reward_form.html", form=form, reward=item), status


@bp.route("/admin/mall/rewards/<int:reward_id>/codes", methods=["GET", "POST"])
@admin_page
def admin_codes(reward_id: int) -> Any:
    item = db.session.get(Reward, reward_id) or abort(404)
    if item.grant_type != "voucher_codes":
        abort(404)
    form = CodesUploadForm()
    if form.validate_on_submit():
        try:
            codes = admin_service.parse_codes_csv(form.file.data.read())
            added = admin_service.add_voucher_codes(current_user.id, item, codes)
        except DomainError as err:
            db.session.rollback()
            # a refused code list (codes, file) or a reward without codes: on the file field
            texts = [text for field in err.field_texts().values() for text in field]
            form.file.errors = [*form.file.errors, *(texts or [err.text()])]
            return render_template("mall/admin_codes.html", form=form, reward=item,
                                   left=catalog_service.codes_left(item.id)), 422
        db.session.commit()
        flash(_("%(added)s codes added (%(skipped)s already loaded).", added=added,
                skipped=len(codes) - added), "success")
        return redirect(url_for("mall.admin_codes", reward_id=item.id))
    return render_template("mall/admin_codes.html", form=form, reward=item,
                           left=catalog_service.codes_left(item.id))


@bp.get("/admin/mall/fulfilment")
@admin_page
def admin_fulfilment() -> Any:
    status = arg_str("status", "pending", max_length=20)
    if status not in SHIPPING_STATES:
        status = "pending"
    page = catalog_service.fulfilment_list(
        status, arg_str("cursor", max_length=CURSOR_MAX) or None, 50)
    rewards = catalog_service.rewards_by_id(r.reward_id for r in page.items)
    return render_template("mall/admin_fulfilment.html", page=page, rewards=rewards, status=status,
                           form=ShipForm())


@bp.post("/admin/mall/redemptions/<int:redemption_id>/ship")
@admin_page
def admin_ship(redemption_id: int) -> Any:
    form = ShipForm()
    if form.validate_on_submit():
        try:
            admin_service.mark_shipped(current_user.id, redemption_id, form.tracking_no.data)
        except DomainError as err:
            db.session.rollback()
            flash(err.text(), "error")
            return redirect(url_for("mall.admin_fulfilment"))
        db.session.commit()
        flash(_("Marked as shipped."), "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("mall.admin_fulfilment"))
