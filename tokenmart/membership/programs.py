"""Card programs: what an admin defines (create, edit, open or close) and what users browse.

The admin API and the back-office form both go through `create_card`/`update_card`, so
the rules on which fields each kind needs live here once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from tokenmart.audit import service as audit
from tokenmart.core.content_i18n import clean_translations, kept
from tokenmart.core.pagination import Page, paginate
from tokenmart.errors import N_, ValidationError
from tokenmart.extensions import db
from tokenmart.membership.errors import CardNotFound
from tokenmart.membership.models import (
    CARD_KINDS,
    CONDITION_METRICS,
    PAID_CURRENCIES,
    CardProgram,
    Membership,
)

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
#: the kind's field message, listing CARD_KINDS (field messages are literals, without values)
KIND_CHOICES = N_("Must be one of: free, conditional, paid, light.")
EDITABLE = ("name", "tagline", "color", "active", "member_day", "earn_multiplier_percent",
            "member_discount_percent", "coupon_pack_id", "coupon_template_id", "translations")


def _fields_error(errors: dict[str, list[str]]) -> ValidationError:
    """A 422 naming the fields; their messages are marked with N_ (pages translate them)."""
    return ValidationError(details={"fields": errors})


def _check(data: dict[str, Any]) -> dict[str, Any]:
    """The rules of a card program, across fields; returns the columns to store. A wrong
    translation is refused first, by the one rule (clean_translations, 422)."""
    translations = clean_translations(data.get("translations"), CardProgram.TRANSLATED)
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in CARD_KINDS:
        errors["kind"] = [KIND_CHOICES]
    benefits = data.get("benefits") or {}
    condition = data.get("condition") or None
    validity = data.get("validity_days")
    if kind in ("paid", "light") and not validity:
        errors["validity_days"] = [N_("Paid and light cards need a validity in days.")]
    if kind == "paid":
        if not data.get("price"):
            errors["price"] = [N_("A paid card needs a price.")]
        if data.get("currency") not in PAID_CURRENCIES:
            errors["currency"] = [N_("Must be coin, flower or credit.")]
    if kind == "light" and not data.get("fee_cents"):
        errors["fee_cents"] = [N_("A light card needs its highest fee.")]
    if kind == "conditional":
        if not condition or condition.get("metric") not in CONDITION_METRICS:
            errors["condition"] = [N_("A conditional card needs a metric and a threshold.")]
        elif not isinstance(condition.get("threshold"), int) or condition["threshold"] < 1:
            errors["condition"] = [N_("The threshold must be a whole number of at least 1.")]
    color = data.get("color") or "#c0392b"
    if not COLOR_RE.match(color):
        errors["color"] = [N_("Use a colour like #c0392b.")]
    if benefits.get("coupon_pack_id") and benefits.get("coupon_template_id"):
        errors["benefits"] = [N_("Give either a coupon pack or a coupon template, not both.")]
    _check_coupon_refs(benefits, errors)
    if errors:
        raise _fields_error(errors)
    return {
        "name": data["name"].strip(), "kind": kind, "tagline": (data.get("tagline") or "").strip(),
        "color": color.lower(), "validity_days": validity or None,
        "price": data.get("price") if kind == "paid" else None,
        "currency": data.get("currency") if kind == "paid" else None,
        "fee_cents": data.get("fee_cents") if kind == "light" else None,
        "condition_metric": condition["metric"] if kind == "conditional" and condition else None,
        "condition_threshold": (condition["threshold"]
                                if kind == "conditional" and condition else None),
        "earn_multiplier_percent": benefits.get("earn_multiplier_percent") or None,
        "member_discount_percent": benefits.get("member_discount_percent") or None,
        "coupon_pack_id": benefits.get("coupon_pack_id") or None,
        "coupon_template_id": benefits.get("coupon_template_id") or None,
        "member_day": data.get("member_day") or None,
        "translations": translations,
    }


def _check_coupon_refs(benefits: dict[str, Any], errors: dict[str, list[str]]) -> None:
    from tokenmart.coupons.models import CouponPack, CouponTemplate

    pack_id, template_id = benefits.get("coupon_pack_id"), benefits.get("coupon_template_id")
    if pack_id and db.session.get(CouponPack, pack_id) is None:
        errors["benefits"] = [N_("Unknown coupon pack.")]
    if template_id and db.session.get(CouponTemplate, template_id) is None:
        errors["benefits"] = [N_("Unknown coupon template.")]


def card_json(card: CardProgram) -> dict[str, Any]:
    """The contract's card object: the admin body's fields plus id (name and tagline as
    entered, their translations beside them; also what the audit log keeps)."""
    return {
        "id": card.id, "name": card.name, "kind": card.kind, "tagline": card.tagline,
        "color": card.color, "validity_days": card.validity_days, "price": card.price,
        "currency": card.currency, "fee_cents": card.fee_cents, "condition": card.condition,
        "benefits": card.benefits, "member_day": card.member_day, "active": card.active,
        "translations": {locale: dict(texts)
                         for locale, texts in (card.translations or {}).items()},
    }


def card_words(name: str, translations: Mapping[str, Any] | None) -> dict[str, Any]:
    """The card's name for a record kept as it was (ledger details, notification params):
    {"card": as entered, "card_tr": {locale: name}} (no "card_tr" without translations).
    Read back with `hooks.card_name`."""
    return kept("card", name, translations)


def create_card(actor_id: int | None, data: dict[str, Any]) -> CardProgram:
    """Create a card program (422 validation_error naming the fields that break a rule)."""
    card = CardProgram(**_check(data), active=bool(data.get("active", True)))
    db.session.add(card)
    db.session.flush()
    audit.record(actor_id, "card.create", "card", card.id, after=card_json(card))
    return card


def update_card(actor_id: int | None, card_id: int, data: dict[str, Any]) -> CardProgram:
    """Change a card's look, benefits, member day, translations (given ones replace all) or
    whether it is open; the kind and its price, fee, validity and condition stay (members
    joined on those terms)."""
    card = get_card(card_id, open_only=False)
    before = card_json(card)
    merged = {**before, **{k: v for k, v in data.items() if k in EDITABLE}}
    merged["benefits"] = {**before["benefits"], **{k: data[k] for k in data if k in before["benefits"]}}
    checked = _check(merged)
    for name in EDITABLE:
        if name == "active":
            card.active = bool(merged["active"])
        else:
            setattr(card, name, checked[name])
    db.session.flush()
    audit.record(actor_id, "card.update", "card", card.id, before=before, after=card_json(card))
    return card


def get_card(card_id: int, *, open_only: bool = True) -> CardProgram:
    """A card program; with open_only (users), 404 for one an admin has closed."""
    card = db.session.get(CardProgram, card_id)
    if card is None or (open_only and not card.active):
        raise CardNotFound()
    return card


def list_open_cards(cursor: str | None, limit: int) -> Page:
    """Card programs open to join, newest first (the API's paginated list)."""
    return paginate(sa.select(CardProgram).where(CardProgram.active.is_(True)),
                    CardProgram.id, cursor, limit)


def list_all_cards(cursor: str | None, limit: int) -> Page:
    """Every card program, open or closed, newest first (the admin API)."""
    return paginate(sa.select(CardProgram), CardProgram.id, cursor, limit)


def open_cards() -> list[CardProgram]:
    return list(db.session.execute(
        sa.select(CardProgram).where(CardProgram.active.is_(True)).order_by(CardProgram.id)
    ).scalars())


def all_cards() -> list[CardProgram]:
    return list(db.session.execute(sa.select(CardProgram).order_by(CardProgram.id.desc())).scalars())


def member_counts() -> dict[int, int]:
    """Active members per card id (the admin list)."""
    rows = db.session.execute(
        sa.select(Membership.card_id, sa.func.count())
        .where(Membership.status == "active").group_by(Membership.card_id)
    ).all()
    return {card_id: int(n) for card_id, n in rows}


def members_of(card_id: int, cursor: str | None, limit: int) -> Page:
    """A program's memberships, newest first (the admin's members list)."""
    return paginate(sa.select(Membership).where(Membership.card_id == card_id),
                    Membership.id, cursor, limit)
