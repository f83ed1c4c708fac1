"""Admin back-office pages: coupon templates, packs and campaigns.

Each catalog page has a New form and one Edit form per row, all with the translation
fields of the row's name (and a campaign's description). The list and the selects show
each name in the reader's language (`local`, as every other page does), so a Chinese
admin reads 新人礼包 where the entered name is "Welcome pack"; a row's Edit form shows
the entered text and its translations, since those are what it changes.

A save that fails (the form's own checks or the service's refusal, new or edit) answers
422 with the page again: the banner "Please correct the marked fields.", the failing
form open with what was typed, and its first wrong field focused (`autofocus`, which
also scrolls it into view). Why: the New form sits under the whole list and a row's
editor can be far down; on a phone the only error once sat a screen and a half below a
page that looked as if the save had worked. A GET of a row's edit address (the address
bar after a failed save, reloaded) opens that row's editor on the list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
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
from tokenmart.core.content_i18n import local
from tokenmart.core.web import arg_int
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


def _saved(form: Any, save: Callable[[], object], done: str) -> bool:
    """Check `form` and run `save` (a service call); True when it was committed. The one
    place a failed save is shown, whatever failed: the form's checks or the service's
    refusal (then rolled back), on a New form or a row's editor."""
    if not form.validate_on_submit():
        if form.is_submitted():
            _show_refusal(form)
        return False
    try:
        save()
    except DomainError as err:
        _form_error(form, err)
        return False
    db.session.commit()
    flash(done, "success")
    return True


def _form_error(form: Any, err: DomainError) -> None:
    """A service's refusal, rolled back and shown on the fields it names; what names no
    field of this form (or no field at all) shows at the top of the form."""
    db.session.rollback()
    fields = err.details.get("fields") or {}
    texts = err.field_texts()
    for name, messages in fields.items():
        english = messages if isinstance(messages, list) else [messages]
        # a refused translation: the whole message says which one and why
        shown = [err.text()] * len(english) if name == "translations" else texts[name]
        for message, text in zip(english, shown, strict=True):
            # placed by the English words (they name the translation field), shown translated
            targets = _error_fields(form, name, str(message), err.message)
            for target in targets:
                target.errors = [*target.errors, text]
            if not targets:
                form.form_errors.append(text)
    if not fields:
        form.form_errors.append(err.text())
    _show_refusal(form)


def _show_refusal(form: Any) -> None:
    """The banner every failed save shows, and the failing form brought into view: the
    browser focuses, and scrolls to, its first wrong field (else its first field, under
    the refusal shown at its top). The banner names no problem because the fields do; the
    service's whole message after a raw field name would read "kind: ..."."""
    flash(_("Please correct the marked fields."), "error")
    shown = _shown_fields(form)
    first = next((f for f in shown if f.errors), shown[0] if shown else None)
    if first is not None:
        # a new dict: render_kw may be the one the form class shares with every instance
        first.render_kw = {**(first.render_kw or {}), "autofocus": True}


def _shown_fields(form: Any) -> list[Field]:
    """The fields a person sees, in the pages' order: the form's own, with the folded
    translations right after the last text they translate (admin_*.html lay them out so)."""
    translated = [f for f, _lang in translation_fields(form)] if hasattr(form, "TRANSLATED") else []
    own = [f for f in form if f not in translated
           and f.type not in ("CSRFTokenField", "HiddenField", "SubmitField")]
    after = max((i + 1 for i, f in enumerate(own) if f.name in getattr(form, "TRANSLATED", ())),
                default=len(own))
    return [*own[:after], *translated, *own[after:]]


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


def _catalog_page(page: str, model: Any, edit_form: Any, form: Any,
                  failed_edit: tuple[int, Any] | None = None) -> Any:
    """A catalog page: the rows, one Edit form per row (showing the stored translations),
    and the New `form`. `failed_edit` is (row id, its submitted form) after a refused
    edit, shown open with the input and errors kept; `?edit=<id>` opens a row's editor
    (where a GET of its edit address leads). 422 when a save failed."""
    rows = _all(model)
    forms: dict[int, Any] = {}
    for row in rows:
        forms[row.id] = edit_form(formdata=None, obj=row)
        fill_translations(forms[row.id], row.translations)
    opened = {arg_int("edit")}
    if failed_edit:
        forms[failed_edit[0]] = failed_edit[1]
        opened.add(failed_edit[0])
    status = 422 if failed_edit or form.errors else 200
    return render_template(page, form=form, rows=rows, edit_forms=forms, opened=opened), status


def _editor(model: Any, item_id: int, endpoint: str, anchor: str) -> Any:
    """A row's edit address: 404 for no such row; a GET (a reload after a failed save, a
    shared link) opens the row's editor on the list, scrolled to the row."""
    if db.session.get(model, item_id) is None:
        abort(404)
    if request.method == "GET":
        return redirect(url_for(endpoint, edit=item_id, _anchor=f"{anchor}-{item_id}"))
    return None


def _templates_page(form: TemplateForm, failed_edit: tuple[int, Any] | None = None) -> Any:
    return _catalog_page("coupons/admin_templates.html", CouponTemplate, TemplateEditForm,
                         form, failed_edit)


@admin_bp.route("/templates", methods=["GET", "POST"])
@admin_page
def templates() -> Any:
    form = TemplateForm()
    if _saved(form, lambda: catalog.create_template(
            actor_id=current_user.id, name=form.name.data, kind=form.kind.data,
            value=form.value.data or 0, min_spend_cents=form.min_spend_cents.data or 0,
            valid_days=form.valid_days.data, total_quantity=form.total_quantity.data,
            per_user_limit=form.per_user_limit.data, min_tier=form.min_tier.data or None,
            new_users_only=form.new_users_only.data, claimable=form.claimable.data,
            translations=translations_from_form(form)), _("Template created.")):
        return redirect(url_for("coupons_admin.templates"))
    return _templates_page(form)


def _template_choices() -> list[SelectChoice]:
    """The active templates, named in the reader's language."""
    return [SelectChoice(t.id, f"#{t.id} {local(t, 'name')}")
            for t in _all(CouponTemplate) if t.active]


def _pack_form(**kwargs: Any) -> PackForm:
    form = PackForm(**kwargs)
    form.template_ids.choices = _template_choices()
    return form


def _packs_page(form: PackForm, failed_edit: tuple[int, Any] | None = None) -> Any:
    return _catalog_page("coupons/admin_packs.html", CouponPack, PackEditForm, form,
                         failed_edit)


@admin_bp.route("/packs", methods=["GET", "POST"])
@admin_page
def packs() -> Any:
    form = _pack_form()
    if _saved(form, lambda: catalog.create_pack(
            actor_id=current_user.id, name=form.name.data, claimable=form.claimable.data,
            items=[{"template_id": t} for t in form.template_ids.data],
            translations=translations_from_form(form)), _("Pack created.")):
        return redirect(url_for("coupons_admin.packs"))
    return _packs_page(form)


def _campaign_form(**kwargs: Any) -> CampaignForm:
    form = CampaignForm(**kwargs)
    choices = _template_choices()
    form.template_id.choices = choices
    form.assist_template_id.choices = [SelectChoice(0, _("No helper coupon")), *choices]
    return form


def _campaigns_page(form: CampaignForm, failed_edit: tuple[int, Any] | None = None) -> Any:
    return _catalog_page("coupons/admin_campaigns.html", Campaign, CampaignEditForm, form,
                         failed_edit)


@admin_bp.route("/campaigns", methods=["GET", "POST"])
@admin_page
def campaigns_admin() -> Any:
    form = _campaign_form()
    if _saved(form, lambda: campaigns.create_campaign(
            actor_id=current_user.id, title=form.title.data,
            description=form.description.data or "", template_id=form.template_id.data,
            required_assists=form.required_assists.data, drive_hours=form.drive_hours.data,
            assist_reward_coins=form.assist_reward_coins.data or 0,
            assist_template_id=form.assist_template_id.data or None,
            drives_per_day=form.drives_per_day.data, assists_per_day=form.assists_per_day.data,
            translations=translations_from_form(form)), _("Campaign created.")):
        return redirect(url_for("coupons_admin.campaigns_admin"))
    return _campaigns_page(form)


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


@admin_bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
@admin_page
def edit_template(template_id: int) -> Any:
    """Rename a template (and its translations) or change its stock, per-user limit and
    claimability."""
    if (opened := _editor(CouponTemplate, template_id, "coupons_admin.templates",
                          "template")) is not None:
        return opened
    form = TemplateEditForm()
    if _saved(form, lambda: catalog.update_template(
            template_id, actor_id=current_user.id, name=form.name.data.strip(),
            total_quantity=form.total_quantity.data, per_user_limit=form.per_user_limit.data,
            claimable=form.claimable.data, translations=translations_from_form(form)),
            _("Template saved.")):
        return redirect(url_for("coupons_admin.templates"))
    return _templates_page(TemplateForm(formdata=None), (template_id, form))


@admin_bp.route("/packs/<int:pack_id>/edit", methods=["GET", "POST"])
@admin_page
def edit_pack(pack_id: int) -> Any:
    """Rename a pack and its translations."""
    if (opened := _editor(CouponPack, pack_id, "coupons_admin.packs", "pack")) is not None:
        return opened
    form = PackEditForm()
    if _saved(form, lambda: catalog.update_pack(
            pack_id, actor_id=current_user.id, name=form.name.data,
            translations=translations_from_form(form)), _("Pack saved.")):
        return redirect(url_for("coupons_admin.packs"))
    return _packs_page(_pack_form(formdata=None), (pack_id, form))


@admin_bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@admin_page
def edit_campaign(campaign_id: int) -> Any:
    """Change a campaign's title and description, and their translations."""
    if (opened := _editor(Campaign, campaign_id, "coupons_admin.campaigns_admin",
                          "campaign")) is not None:
        return opened
    form = CampaignEditForm()
    if _saved(form, lambda: campaigns.update_campaign(
            campaign_id, actor_id=current_user.id, title=form.title.data,
            description=form.description.data or "",
            translations=translations_from_form(form)), _("Campaign saved.")):
        return redirect(url_for("coupons_admin.campaigns_admin"))
    return _campaigns_page(_campaign_form(formdata=None), (campaign_id, form))
