"""Admin catalog: create and change coupon templates and packs, grant coupons by hand.

All changes are audited (translations too); functions only flush. Names may carry
translations (core.content_i18n), cleaned by `clean_translations`: a bad one is a 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tokenmart.audit import service as audit
from tokenmart.core.content_i18n import clean_translations
from tokenmart.core.pagination import Page, paginate
from tokenmart.coupons.coupon_service import get_pack, get_template, issue_coupon, issue_pack
from tokenmart.coupons.models import (
    KINDS,
    TIERS,
    Coupon,
    CouponPack,
    CouponPackItem,
    CouponTemplate,
)
from tokenmart.errors import N_, NotFound, field_error
from tokenmart.extensions import db

TEMPLATE_FIELDS = (
    "name", "kind", "value", "min_spend_cents", "valid_days", "starts_at", "ends_at",
    "total_quantity", "per_user_limit", "claimable", "min_tier", "new_users_only", "active",
    "translations",
)


#: "Must be at least N." for each lower bound the checks use (a field's message has no values)
AT_LEAST = {0: N_("Must be at least 0."), 1: N_("Must be at least 1.")}


def validate_template(data: dict[str, Any]) -> dict[str, Any]:
    """Check a template's fields together; returns them normalized. 422 naming the field
    (translations: as clean_translations says)."""
    data["translations"] = clean_translations(data.get("translations"),
                                              CouponTemplate.TRANSLATED)
    kind = data.get("kind")
    if kind not in KINDS:
        raise field_error("kind", N_("Not one of the allowed values."),
                       N_("%(field)s: One of %(choices)s."), choices=", ".join(KINDS))
    value = int(data.get("value") or 0)
    if kind == "amount_off" and value < 1:
        raise field_error("value", N_("Cents off must be at least 1."))
    if kind == "percent_off" and not 1 <= value <= 100:
        raise field_error("value", N_("Percent off must be between 1 and 100."))
    if kind == "free_shipping":
        value = 0
    data["value"] = value
    starts_at: datetime | None = data.get("starts_at")
    ends_at: datetime | None = data.get("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        raise field_error("ends_at", N_("Must be after the start time."))
    if data.get("min_tier") and data["min_tier"] not in TIERS:
        raise field_error("min_tier", N_("Not one of the allowed values."),
                       N_("%(field)s: One of %(choices)s."), choices=", ".join(TIERS))
    for name, low in (("valid_days", 1), ("total_quantity", 1), ("per_user_limit", 1),
                      ("min_spend_cents", 0)):
        if data.get(name) is not None and int(data[name]) < low:
            raise field_error(name, AT_LEAST[low])
    return data


def _snapshot(template: CouponTemplate) -> dict[str, Any]:
    return {f: (v.isoformat() if isinstance(v := getattr(template, f), datetime) else v)
            for f in TEMPLATE_FIELDS}


def create_template(*, actor_id: int | None, **data: Any) -> CouponTemplate:
    """A new template (audited); 422 naming the field when one is wrong."""
    data = validate_template({k: v for k, v in data.items() if k in TEMPLATE_FIELDS})
    data.setdefault("min_spend_cents", 0)
    if data.get("per_user_limit") is None:
        data["per_user_limit"] = 1
    template = CouponTemplate(**{k: v for k, v in data.items() if v is not None})
    db.session.add(template)
    db.session.flush()
    audit.record(actor_id, "coupon_template.create", "coupon_template", template.id,
                 after=_snapshot(template))
    return template


def update_template(template_id: int, *, actor_id: int | None, **changes: Any) -> CouponTemplate:
    """Change a template; the kind and value stay fixed once coupons exist. Given
    `translations` replace the stored ones (422 when one is wrong)."""
    template = get_template(template_id)
    before = _snapshot(template)
    merged = {**before, **{k: v for k, v in changes.items() if k in TEMPLATE_FIELDS}}
    merged["starts_at"], merged["ends_at"] = (
        changes.get("starts_at", template.starts_at), changes.get("ends_at", template.ends_at)
    )
    validate_template(merged)
    if template.issued_count and (merged["kind"], merged["value"]) != (template.kind, template.value):
        raise field_error("kind", N_("Kind and value cannot change once coupons were issued."))
    quantity = merged.get("total_quantity")
    if quantity is not None and quantity < template.issued_count:
        raise field_error("total_quantity", N_("Cannot be less than the number already issued."),
                       N_("%(field)s: %(issued)s were already issued."),
                       issued=template.issued_count)
    for name in TEMPLATE_FIELDS:
        setattr(template, name, merged[name])
    db.session.flush()
    audit.record(actor_id, "coupon_template.update", "coupon_template", template.id,
                 before=before, after=_snapshot(template))
    return template


def list_templates(cursor: str | None, limit: int) -> Page:
    return paginate(sa.select(CouponTemplate), CouponTemplate.id, cursor, limit)


def create_pack(
    *, actor_id: int | None, name: str, items: list[dict[str, int]], claimable: bool = False,
    per_user_limit: int = 1, translations: Any = None,
) -> CouponPack:
    """A pack of templates ({template_id, quantity}); 422 when empty or a translation is
    wrong, 404 when a template is unknown."""
    cleaned = clean_translations(translations, CouponPack.TRANSLATED)
    if not items:
        raise field_error("items", N_("A pack needs at least one template."))
    merged: dict[int, int] = {}
    for item in items:
        get_template(int(item["template_id"]))  # 404 for an unknown template
        quantity = int(item.get("quantity") or 1)
        if quantity < 1:
            raise field_error("items", N_("Quantities must be at least 1."))
        merged[int(item["template_id"])] = merged.get(int(item["template_id"]), 0) + quantity
    if per_user_limit < 1:
        raise field_error("per_user_limit", N_("Must be at least 1."))
    pack = CouponPack(name=name, claimable=claimable, per_user_limit=per_user_limit,
                      translations=cleaned)
    pack.items = [CouponPackItem(template_id=t, quantity=q) for t, q in sorted(merged.items())]
    db.session.add(pack)
    db.session.flush()
    audit.record(actor_id, "coupon_pack.create", "coupon_pack", pack.id,
                 after={"name": name, "items": merged, "claimable": claimable,
                        "translations": cleaned})
    return pack


def list_packs(cursor: str | None, limit: int) -> Page:
    return paginate(sa.select(CouponPack), CouponPack.id, cursor, limit)


def grant_coupon(*, actor_id: int, user_id: int, template_id: int | None = None,
                 pack_id: int | None = None) -> list[Coupon]:
    """An admin gives a user a template's coupon or a whole pack (audited)."""
    from tokenmart.accounts.service import get_user

    get_user(user_id)  # 404 for an unknown user
    if pack_id is not None:
        get_pack(pack_id)
        coupons = issue_pack(pack_id, user_id, source="grant", source_ref=f"admin:{actor_id}")
    elif template_id is not None:
        coupons = [issue_coupon(template_id, user_id, source="grant",
                                source_ref=f"admin:{actor_id}")]
    else:
        raise field_error("template_id", N_("Give template_id or pack_id."))
    audit.record(actor_id, "coupon.grant", "user", user_id,
                 after={"template_id": template_id, "pack_id": pack_id,
                        "codes": [c.code for c in coupons]})
    return coupons


def set_pack_active(pack_id: int, active: bool, *, actor_id: int | None) -> CouponPack:
    """Stop (or resume) offering a pack; coupons already issued are untouched."""
    return update_pack(pack_id, actor_id=actor_id, active=active)


def update_pack(pack_id: int, *, actor_id: int | None, name: str | None = None,
                translations: Any = None, claimable: bool | None = None,
                active: bool | None = None) -> CouponPack:
    """Rename a pack, replace its translations, or change whether it is offered (its
    templates stay as they were promised). Audits the fields given, before and after.
    404 unknown pack, 422 a blank or too long name or a wrong translation."""
    pack = db.session.get(CouponPack, pack_id)
    if pack is None:
        raise NotFound(N_("No such coupon pack."))
    changes: dict[str, Any] = {}
    if name is not None:
        if not name.strip() or len(name.strip()) > 80:
            raise field_error("name", N_("1-80 characters."))
        changes["name"] = name.strip()
    if translations is not None:
        changes["translations"] = clean_translations(translations, CouponPack.TRANSLATED)
    for field, value in (("claimable", claimable), ("active", active)):
        if value is not None:
            changes[field] = value
    before = {field: getattr(pack, field) for field in changes}
    for field, value in changes.items():
        setattr(pack, field, value)
    db.session.flush()
    audit.record(actor_id, "coupon_pack.update", "coupon_pack", pack.id, before=before,
                 after=changes)
    return pack
