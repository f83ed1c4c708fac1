"""Minimal admin back-office pages: coupon templates, packs and campaigns.

Each catalog page has a New form and one Edit form per row, all with the translation
fields of the row's name (and a campaign's description); the list shows the names as
entered, the way the admin typed them.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from tokenmart.accounts.auth import admin_page
from tokenmart.config import LANGUAGES
from tokenmart.core.content_forms import (
    fill_translations,
    translation_fields,
    translations_from_form,
)
from tokenmart.coupons import campaigns_service as campaigns
from tokenmart.coupons import templates_service as catalog
from tokenmart.coupons.forms import (
    CampaignEditForm,
    CampaignForm,
    PackEditForm,
    PackForm,
    TemplateEditForm,
    TemplateForm,
)
from tokenmart.coupons.models import Campaign, CouponPack, CouponTemplate
from tokenmart.errors import DomainError
from tokenmart.extensions import db

admin_bp = Blueprint("coupons_admin", __name__, url_prefix="/admin/coupons")


def _all(model: Any) -> list[Any]:
    return list(db.session.execute(sa.select(model).order_by(model.id.desc())).scalars().unique())


def _form_error(form: Any, err: DomainError) -> None:
    db.session.rollback()
    fields = err.details.get("fields") or {}
    texts = err.field_texts()
    for name, messages in fields.items():
        english = messages if isinstance(messages, list) else [messages]
        # a refused translation: the whole message says which one and why
        shown = [err.text()] * len(english) if name == "translations" else texts[name]
        for message, text in zip(english, shown, strict=True):
            # placed by the English words (they name the translation field), shown translated
            for target in _error_fields(form, name, str(message), err.message):
                target.errors = [*target.errors, text]
    # the fields say what is wrong; the whole message would repeat it after a raw field
    # name ("kind: ...")
    flash(_("Please correct the marked fields.") if fields else err.text(), "error")


def _error_fields(form: Any, name: str, *messages: str) -> list[Field]:
    """Where a service's error about `name` shows: that field, or for "translations" the
    translation field the (English) message names ("The zh_Hans name is longer ..."; the
    first of `messages` that names one), else the first one, so the folded translations
    open on it."""
    if name != "translations":
        return [getattr(form, name)] if hasattr(form, name) else []
    if not hasattr(form, "TRANSLATED"):
        return []
    for message in messages:
        named = [form[f"tr_{locale}_{field}"] for locale in LANGUAGES
                 for field in form.TRANSLATED if re.search(rf"\b{locale} {field}\b", message)]
        if named:
            return named
    return [translation_fields(form)[0][0]]


def _edit_form(form: Any, obj: Any) -> Any:
    """A row's Edit form opened for editing: it shows the stored translations."""
    fill_translations(form, obj.translations)
    return form


def _templates_page(form: TemplateForm, editing: dict[int, TemplateEditForm] | None = None,
                    status: int = 200) -> Any:
    """The catalog with the New template form and one Edit form per row; `editing` holds
    a row's submitted form (input and errors kept) after a refused edit."""
    rows = _all(CouponTemplate)
    forms = {t.id: _edit_form(TemplateEditForm(formdata=None, obj=t), t)
             for t in rows}
    forms.update(editing or {})
    return render_template("coupons/admin_templates.html", form=form, rows=rows,
                           edit_forms=forms, editing=set(editing or ())), status


@admin_bp.route("/templates", methods=["GET", "POST"])
@admin_page
def templates() -> Any:
    form = TemplateForm()
    if form.validate_on_submit():
        try:
            catalog.create_template(
                actor_id=current_user.id, name=form.name.data, kind=form.kind.data,
                value=form.value.data or 0, min_spend_cents=form.min_spend_cents.data or 0,
                valid_days=form.valid_days.data, total_quantity=form.total_quantity.data,
                per_user_limit=form.per_user_limit.data, min_tier=form.min_tier.data or None,
                new_users_only=form.new_users_only.data, claimable=form.claimable.data,
                translations=translations_from_form(form),
            )
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Template created."), "success")
            return redirect(url_for("coupons_admin.templates"))
    return _templates_page(form, status=422 if form.errors else 200)


def _template_choices() -> list[SelectChoice]:
    return [SelectChoice(t.id, f"#{t.id} {t.name}") for t in _all(CouponTemplate) if t.active]


def _pack_form(**kwargs: Any) -> PackForm:
    form = PackForm(**kwargs)
    form.template_ids.choices = _template_choices()
    return form


def _packs_page(form: PackForm, editing: dict[int, PackEditForm] | None = None,
                status: int = 200) -> Any:
    """The packs with the New pack form and one Edit form per row (see _templates_page)."""
    rows = _all(CouponPack)
    forms = {p.id: _edit_form(PackEditForm(formdata=None, obj=p), p)
             for p in rows}
    forms.update(editing or {})
    return render_template("coupons/admin_packs.html", form=form, rows=rows,
                           edit_forms=forms, editing=set(editing or ())), status


@admin_bp.route("/packs", methods=["GET", "POST"])
@admin_page
def packs() -> Any:
    form = _pack_form()
    if form.validate_on_submit():
        try:
            catalog.create_pack(actor_id=current_user.id, name=form.name.data,
                                claimable=form.claimable.data,
                                items=[{"template_id": t} for t in form.template_ids.data],
                                translations=translations_from_form(form))
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Pack created."), "success")
            return redirect(url_for("coupons_admin.packs"))
    return _packs_page(form, status=422 if form.errors else 200)


def _campaign_form(**kwargs: Any) -> CampaignForm:
    form = CampaignForm(**kwargs)
    choices = _template_choices()
    form.template_id.choices = choices
    form.assist_template_id.choices = [SelectChoice(0, _("No helper coupon")), *choices]
    return form


def _campaigns_page(form: CampaignForm, editing: dict[int, CampaignEditForm] | None = None,
                    status: int = 200) -> Any:
    """The campaigns with the New campaign form and one Edit form per row (see
    _templates_page)."""
    rows = _all(Campaign)
    forms = {c.id: _edit_form(CampaignEditForm(formdata=None, obj=c), c)
             for c in rows}
    forms.update(editing or {})
    return render_template("coupons/admin_campaigns.html", form=form, rows=rows,
                           edit_forms=forms, editing=set(editing or ())), status


@admin_bp.route("/campaigns", methods=["GET", "POST"])
@admin_page
def campaigns_admin() -> Any:
    form = _campaign_form()
    if form.validate_on_submit():
        try:
            campaigns.create_campaign(
                actor_id=current_user.id, title=form.title.data,
                description=form.description.data or "", template_id=form.template_id.data,
                required_assists=form.required_assists.data, drive_hours=form.drive_hours.data,
                assist_reward_coins=form.assist_reward_coins.data or 0,
                assist_template_id=form.assist_template_id.data or None,
                drives_per_day=form.drives_per_day.data,
                assists_per_day=form.assists_per_day.data,
                translations=translations_from_form(form),
            )
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Campaign created."), "success")
            return redirect(url_for("coupons_admin.campaigns_admin"))
    return _campaigns_page(form, status=422 if form.errors else 200)


#: what the catalog's Deactivate / Activate buttons switch, and how
_TOGGLES = {
    "templates": lambda item_id, active, actor: catalog.update_template(
        item_id, actor_id=actor, active=active),
    "packs": lambda item_id, active, actor: catalog.set_pack_active(item_id, active,
                                                                     actor_id=actor),
    "campaigns": lambda item_id, active, actor: campaigns.update_campaign(
        item_id, actor_id=actor, active=active),
}
_PAGES = {"templates": "coupons_admin.templates", "packs": "coupons_admin.packs",
          "campaigns": "coupons_admin.campaigns_admin"}


@admin_bp.post("/<any(templates, packs, campaigns):kind>/<int:item_id>/<any(activate, deactivate):switch>")
@admin_page
def toggle(kind: str, item_id: int, switch: str) -> Any:
    """Deactivate (stop offering) or re-activate a template, pack or campaign."""
    try:
        _TOGGLES[kind](item_id, switch == "activate", current_user.id)
    except DomainError as err:
        db.session.rollback()
        flash(err.text(), "error")
    else:
        db.session.commit()
        flash(_("Activated.") if switch == "activate" else _("Deactivated."), "success")
    return redirect(url_for(_PAGES[kind]))


@admin_bp.post("/templates/<int:template_id>/edit")
@admin_page
def edit_template(template_id: int) -> Any:
    """Rename a template (and its translations) or change its stock, per-user limit and
    claimability."""
    form = TemplateEditForm()
    if form.validate_on_submit():
        try:
            catalog.update_template(
                template_id, actor_id=current_user.id, name=form.name.data.strip(),
                total_quantity=form.total_quantity.data, per_user_limit=form.per_user_limit.data,
                claimable=form.claimable.data, translations=translations_from_form(form))
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Template saved."), "success")
            return redirect(url_for("coupons_admin.templates"))
    return _templates_page(TemplateForm(formdata=None),
                           {template_id: form}, 422)


@admin_bp.post("/packs/<int:pack_id>/edit")
@admin_page
def edit_pack(pack_id: int) -> Any:
    """Rename a pack and its translations."""
    form = PackEditForm()
    if form.validate_on_submit():
        try:
            catalog.update_pack(pack_id, actor_id=current_user.id, name=form.name.data,
                                translations=translations_from_form(form))
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Pack saved."), "success")
            return redirect(url_for("coupons_admin.packs"))
    return _packs_page(_pack_form(formdata=None), {pack_id: form}, 422)


@admin_bp.post("/campaigns/<int:campaign_id>/edit")
@admin_page
def edit_campaign(campaign_id: int) -> Any:
    """Change a campaign's title and description, and their translations."""
    form = CampaignEditForm()
    if form.validate_on_submit():
        try:
            campaigns.update_campaign(campaign_id, actor_id=current_user.id,
                                      title=form.title.data,
                                      description=form.description.data or "",
                                      translations=translations_from_form(form))
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Campaign saved."), "success")
            return redirect(url_for("coupons_admin.campaigns_admin"))
    return _campaigns_page(_campaign_form(formdata=None),
                           {campaign_id: form}, 422)
