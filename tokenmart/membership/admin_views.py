"""Back office: card programs (create with design, edit, open or close) and each program's
members. Linked from the admin menu (ADMIN_NAV gets one entry at import)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from tokenmart.accounts.auth import admin_page
from tokenmart.core.content_forms import (
    fill_translations,
    translation_fields,
    translations_from_form,
)
from tokenmart.core.content_i18n import local
from tokenmart.core.web import arg_str
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.membership import images, light, programs
from tokenmart.membership.forms import CardForm
from tokenmart.membership.models import CardProgram

admin_bp = Blueprint("membership_admin", __name__, url_prefix="/admin/cards")


def _add_admin_nav() -> None:
    from tokenmart.admin.views import ADMIN_NAV

    entry = ("membership_admin.cards", _l("Membership cards"))
    if all(endpoint != entry[0] for endpoint, _label in ADMIN_NAV):
        ADMIN_NAV.insert(min(len(ADMIN_NAV), 8), entry)


_add_admin_nav()


def _pack_choices() -> list[SelectChoice]:
    from tokenmart.coupons.models import CouponPack

    packs = db.session.execute(sa.select(CouponPack).order_by(CouponPack.id.desc())).scalars()
    return [SelectChoice(0, _("No coupons")),
            *[SelectChoice(p.id, f"#{p.id} {local(p, 'name')}") for p in packs]]


def _form(**kwargs: Any) -> CardForm:
    form = CardForm(**kwargs)
    form.coupon_pack_id.choices = _pack_choices()
    return form


def _data(form: CardForm) -> dict[str, Any]:
    fee = form.fee.data
    return {
        "name": form.name.data, "kind": form.kind.data, "tagline": form.tagline.data or "",
        "color": form.color.data, "validity_days": form.validity_days.data,
        "price": form.price.data, "currency": form.currency.data,
        "fee_cents": int(fee * 100) if fee is not None else None,
        "condition": ({"metric": form.condition_metric.data,
                       "threshold": form.condition_threshold.data}
                      if form.condition_metric.data else None),
        "benefits": {"earn_multiplier_percent": form.earn_multiplier_percent.data,
                     "member_discount_percent": form.member_discount_percent.data,
                     "coupon_pack_id": form.coupon_pack_id.data or None},
        "member_day": form.member_day.data or None, "active": form.active.data,
        "translations": translations_from_form(form),
    }


def _form_error(form: CardForm, err: DomainError) -> None:
    db.session.rollback()
    aliases = {"fee_cents": "fee", "condition": "condition_metric", "benefits": "coupon_pack_id"}
    for name, texts in err.field_texts().items():
        if name == "translations":  # the whole message says which one and why
            target, texts = _translation_target(form), [err.text()]
        else:
            target = getattr(form, aliases.get(name, name), None)
        if target is not None:
            target.errors = [*target.errors, *texts]
    flash(_("Please correct the marked fields."), "error")


def _translation_target(form: CardForm) -> Any:
    """Where a refused translation is shown: the first filled translation field (so the
    folded translations open on it)."""
    fields = [f for f, _lang in translation_fields(form)]
    return next((f for f in fields if f.data), fields[0])


def _save_image(card: CardProgram, form: CardForm) -> None:
    upload = form.image.data
    if upload and getattr(upload, "filename", ""):
        card.image_key = images.store_card_image(card.id, upload.stream)
        db.session.flush()


@admin_bp.route("", methods=["GET", "POST"])
@admin_page
def cards() -> Any:
    """Every card program with its members count, and the New card form."""
    form = _form()
    if form.validate_on_submit():
        try:
            card = programs.create_card(current_user.id, _data(form))
            _save_image(card, form)
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Card created."), "success")
            return redirect(url_for("membership_admin.cards"))
    return render_template("membership/admin_cards.html", form=form, rows=programs.all_cards(),
                           counts=programs.member_counts()), 422 if form.errors else 200


@admin_bp.route("/<int:card_id>", methods=["GET", "POST"])
@admin_page
def edit(card_id: int) -> Any:
    """Change a card's look, benefits, member day, or open/close it."""
    card = programs.get_card(card_id, open_only=False)
    form = _form(obj=card) if request.method == "GET" else _form()
    if request.method == "GET":
        form.fee.data = (card.fee_cents or 0) / 100 if card.fee_cents else None
        form.condition_metric.data = card.condition_metric or ""
        form.condition_threshold.data = card.condition_threshold
        form.coupon_pack_id.data = card.coupon_pack_id or 0
        form.member_day.data = card.member_day or 0
        fill_translations(form, card.translations)
    elif form.validate_on_submit():
        data = _data(form)
        try:
            programs.update_card(current_user.id, card.id, {**data, **data["benefits"]})
            _save_image(card, form)
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Card saved."), "success")
            return redirect(url_for("membership_admin.edit", card_id=card.id))
    return render_template("membership/admin_edit.html", card=card, form=form), \
        422 if form.errors else 200


@admin_bp.get("/<int:card_id>/members")
@admin_page
def members(card_id: int) -> Any:
    """A program's members: who, since when, until when, and a light card's bill."""
    from tokenmart.accounts.models import User

    card = programs.get_card(card_id, open_only=False)
    page = programs.members_of(card.id, arg_str("cursor") or None, 50)
    ids = [m.user_id for m in page.items]
    names = dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())
    bills = {m.id: light.bill(m) for m in page.items} if card.kind == "light" else {}
    return render_template("membership/admin_members.html", card=card, page=page, names=names,
                           bills=bills)
