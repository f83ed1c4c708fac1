"""Coupon instances: issue, claim, quote, redeem, return, expire and void.

Every function only flushes; the caller commits. Each one that raises leaves nothing
applied (its work runs in a savepoint), so callers may catch the error and go on.
Races are settled by the database: stock by a conditional UPDATE of issued_count,
per-user limits by counters (tokenmart.coupons.counters), a redemption by
UPDATE ... WHERE status = 'active'.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.audit import service as audit
from tokenmart.core.clock import utcnow
from tokenmart.core.pagination import Page, paginate
from tokenmart.coupons import counters
from tokenmart.coupons.errors import (
    BelowMinSpend,
    CouponNotActive,
    CouponNotFound,
    LimitReached,
    NotEligible,
    SoldOut,
    TemplateEnded,
)
from tokenmart.coupons.models import TIERS, Coupon, CouponPack, CouponTemplate
from tokenmart.coupons.settings import setting
from tokenmart.errors import N_, NotFound, ValidationError
from tokenmart.extensions import db

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud
CODE_LENGTH = 16  # 32**16 = 2**80 codes: unguessable


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """Accept codes as people type them: any case, with spaces or dashes."""
    return re.sub(r"[^A-Za-z0-9]", "", raw or "").upper()[:32]


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def get_template(template_id: int) -> CouponTemplate:
    template = db.session.get(CouponTemplate, template_id)
    if template is None:
        raise NotFound(N_("No such coupon template."))
    return template


def get_pack(pack_id: int) -> CouponPack:
    pack = db.session.get(CouponPack, pack_id)
    if pack is None:
        raise NotFound(N_("No such coupon pack."))
    return pack


def _take_stock(template_id: int, n: int = 1) -> None:
    row = db.session.execute(
        sa.update(CouponTemplate)
        .where(
            CouponTemplate.id == template_id,
            sa.or_(
                CouponTemplate.total_quantity.is_(None),
                CouponTemplate.issued_count + n <= CouponTemplate.total_quantity,
            ),
        )
        .values(issued_count=CouponTemplate.issued_count + n)
        .returning(CouponTemplate.id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        raise SoldOut(details={"template_id": template_id})


def _window(template: CouponTemplate, now: datetime) -> tuple[datetime | None, datetime | None]:
    ends = [template.ends_at] if template.ends_at else []
    if template.valid_days:
        ends.append(now + timedelta(days=template.valid_days))
    return template.starts_at, (min(ends) if ends else None)


def issue_coupon(
    template_id: int, user_id: int, *, source: str, source_ref: str | None = None,
    attribution: tuple[str, int] | None = None,
) -> Coupon:
    """Issue one coupon of a template to a user, whether or not users may claim it.

    Respects the template's total quantity (409 sold_out) and its end (409
    template_ended); ignores `claimable`, per-user limits and eligibility, so mall
    redemptions, campaigns and admin grants use it. Raises 404 for an unknown template.
    """
    template = get_template(template_id)
    now = utcnow()
    if template.ends_at is not None and template.ends_at <= now:
        raise TemplateEnded(details={"template_id": template_id})
    valid_from, expires_at = _window(template, now)
    with db.session.begin_nested():
        _take_stock(template_id)
        coupon = Coupon(
            code=new_code(), template_id=template_id, user_id=user_id, status="active",
            source=source[:20], source_ref=source_ref, valid_from=valid_from,
            expires_at=expires_at, created_at=now,
            attribution_kind=attribution[0] if attribution else None,
            attribution_id=attribution[1] if attribution else None,
        )
        db.session.add(coupon)
        db.session.flush()
    return coupon


def issue_pack(
    pack_id: int, user_id: int, *, source: str, source_ref: str | None = None,
    attribution: tuple[str, int] | None = None,
) -> list[Coupon]:
    """Issue every coupon of a pack, all or nothing (any sold-out template: 409, none issued)."""
    pack = get_pack(pack_id)
    issued: list[Coupon] = []
    with db.session.begin_nested():
        for item in pack.items:  # ordered by template id: a fixed lock order
            for _ in range(item.quantity):
                issued.append(
                    issue_coupon(item.template_id, user_id, source=source, source_ref=source_ref,
                                 attribution=attribution)
                )
    return issued


def ineligibility(template: CouponTemplate, user: User) -> dict[str, Any] | None:
    """Why the user may not claim this template ({"min_tier": "gold"} or
    {"new_users_only": True}), or None when they may.

    The one eligibility rule: claims refuse with it (check_eligible) and My coupons
    shows a disabled Claim with the same reason, so the page never offers what the
    claim would then refuse.
    """
    if template.min_tier and template.min_tier in TIERS:
        tier = user.tier if user.tier in TIERS else TIERS[0]
        if TIERS.index(tier) < TIERS.index(template.min_tier):
            return {"min_tier": template.min_tier}
    if template.new_users_only:
        cutoff = utcnow() - timedelta(days=setting("COUPON_NEW_USER_DAYS"))
        if user.created_at < cutoff:
            return {"new_users_only": True}
    return None


def check_eligible(template: CouponTemplate, user: User) -> None:
    """403 not_eligible when the user's tier is too low or the account is not new."""
    problem = ineligibility(template, user)
    if problem is not None:
        raise NotEligible(details=problem)


def _claimable_template(template_id: int) -> CouponTemplate:
    template = get_template(template_id)
    now = utcnow()
    if not (template.active and template.claimable) or (
        template.ends_at is not None and template.ends_at <= now
    ):
        raise NotFound(N_("This coupon is not offered."))
    return template


def claim_coupon(template_id: int, user_id: int) -> Coupon:
    """A user claims a claimable template: 404 if not offered, 403 not_eligible,
    403 limit_reached (per-user limit), 409 sold_out. Nothing applied on error."""
    template = _claimable_template(template_id)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    check_eligible(template, user)
    with db.session.begin_nested():
        if not counters.bump(f"claim:t{template.id}", user_id, template.per_user_limit):
            raise LimitReached(details={"per_user_limit": template.per_user_limit})
        return issue_coupon(template.id, user_id, source="claim", source_ref=f"t{template.id}",
                            attribution=("coupon_template", template.id))


def claim_pack(pack_id: int, user_id: int) -> list[Coupon]:
    """A user claims a claimable pack: all its coupons or none (errors as claim_coupon)."""
    pack = get_pack(pack_id)
    if not (pack.active and pack.claimable):
        raise NotFound(N_("This coupon pack is not offered."))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    for item in pack.items:
        check_eligible(item.template, user)
    with db.session.begin_nested():
        if not counters.bump(f"claim:p{pack.id}", user_id, pack.per_user_limit):
            raise LimitReached(details={"per_user_limit": pack.per_user_limit})
        return issue_pack(pack.id, user_id, source="claim", source_ref=f"p{pack.id}")


def find_coupon(code: str, user_id: int | None = None) -> Coupon:
    """The coupon with this code (normalized); 404 if unknown or, with user_id, not theirs."""
    coupon = db.session.execute(
        sa.select(Coupon).where(Coupon.code == normalize_code(code))
    ).scalar()
    if coupon is None or (user_id is not None and coupon.user_id != user_id):
        raise CouponNotFound()
    return coupon


def is_usable(coupon: Coupon, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        coupon.status == "active"
        and (coupon.expires_at is None or coupon.expires_at > now)
        and (coupon.valid_from is None or coupon.valid_from <= now)
    )


def compute_discount(
    template: CouponTemplate, order_amount_cents: int, shipping_fee_cents: int = 0
) -> int:
    """The discount in cents. With a shipping fee (barter) the coupon applies to the fee:
    free_shipping takes all of it, amount_off up to it, percent_off a percent of it;
    without one it applies to the order (free_shipping then gives 0). Minimum spend
    always compares with the order amount (422 below_min_spend)."""
    if order_amount_cents < 0 or shipping_fee_cents < 0:
        raise ValidationError(N_("Amounts cannot be negative."))
    if order_amount_cents < template.min_spend_cents:
        raise BelowMinSpend(details={"min_spend_cents": template.min_spend_cents,
                                     "order_amount_cents": order_amount_cents})
    base = shipping_fee_cents if shipping_fee_cents > 0 else order_amount_cents
    if template.kind == "free_shipping":
        return shipping_fee_cents
    if template.kind == "amount_off":
        return min(template.value, base)
    return base * template.value // 100  # percent_off, rounded down


def _quote(
    code: str, user_id: int | None, order_amount_cents: int, shipping_fee_cents: int
) -> tuple[Coupon, int]:
    coupon = find_coupon(code, user_id)
    if not is_usable(coupon):
        raise CouponNotActive(details={"status": coupon.current_status})
    return coupon, compute_discount(coupon.template, order_amount_cents, shipping_fee_cents)


def quote_discount(
    code: str, user_id: int | None, order_amount_cents: int, *, shipping_fee_cents: int = 0
) -> int:
    """The discount this coupon would give, changing nothing. 404 unknown (or not
    user_id's), 409 coupon_not_active, 422 below_min_spend."""
    return _quote(code, user_id, order_amount_cents, shipping_fee_cents)[1]


def redeem_coupon(
    code: str,
    *,
    order_amount_cents: int,
    redeemed_by: int,
    user_id: int | None = None,
    shipping_fee_cents: int = 0,
) -> tuple[Coupon, int]:
    """Redeem a coupon exactly once and return it with the discount in cents.

    Errors as quote_discount; of concurrent redemptions of one code exactly one wins
    (UPDATE ... WHERE status = 'active'), the others get 409 coupon_not_active.
    """
    coupon, discount = _quote(code, user_id, order_amount_cents, shipping_fee_cents)
    now = utcnow()
    row = db.session.execute(
        sa.update(Coupon)
        .where(
            Coupon.id == coupon.id,
            Coupon.status == "active",
            sa.or_(Coupon.expires_at.is_(None), Coupon.expires_at > now),
        )
        .values(status="redeemed", redeemed_at=now, redeemed_by=redeemed_by,
                order_amount_cents=order_amount_cents, discount_cents=discount)
        .returning(Coupon.id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        raise CouponNotActive()
    db.session.refresh(coupon)
    return coupon, discount


def return_coupon(code: str) -> Coupon:
    """Give a redeemed coupon back (its order was cancelled): active again if still
    valid, else expired. A coupon that is not redeemed is returned unchanged, so a
    repeated call is harmless. 404 for an unknown code."""
    coupon = find_coupon(code)
    now = utcnow()
    db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status == "redeemed")
        .values(
            status=sa.case(
                (sa.and_(Coupon.expires_at.is_not(None), Coupon.expires_at <= now), "expired"),
                else_="active",
            ),
            redeemed_at=None, redeemed_by=None, order_amount_cents=None, discount_cents=None,
            returned_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(coupon)
    return coupon


def void_coupon(code: str, *, actor_id: int) -> Coupon:
    """An admin cancels an active coupon (audited); 409 coupon_not_active otherwise."""
    coupon = find_coupon(code)
    row = db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status == "active")
        .values(status="voided")
        .returning(Coupon.id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        raise CouponNotActive()
    audit.record(actor_id, "coupon.void", "coupon", coupon.id, {"status": "active"},
                 {"status": "voided"})
    db.session.refresh(coupon)
    return coupon


def expire_coupons(now: datetime | None = None) -> int:
    """Mark every active coupon past its end as expired (set-based; safe to repeat)."""
    now = now or utcnow()
    return db.session.execute(
        sa.update(Coupon)
        .where(Coupon.status == "active", Coupon.expires_at.is_not(None),
               Coupon.expires_at <= now)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    ).rowcount or 0


def list_coupons(user_id: int, status: str | None, cursor: str | None, limit: int) -> Page:
    """A user's coupons, newest first; status filters by what the user sees."""
    query = sa.select(Coupon).where(Coupon.user_id == user_id)
    now = utcnow()
    not_ended = sa.or_(Coupon.expires_at.is_(None), Coupon.expires_at > now)
    if status == "active":
        query = query.where(Coupon.status == "active", not_ended)
    elif status == "expired":
        query = query.where(sa.or_(Coupon.status == "expired",
                                   sa.and_(Coupon.status == "active", sa.not_(not_ended))))
    elif status:
        query = query.where(Coupon.status == status)
    return paginate(query, Coupon.id, cursor, limit)


def claimable_templates() -> list[CouponTemplate]:
    now = utcnow()
    return list(
        db.session.execute(
            sa.select(CouponTemplate)
            .where(CouponTemplate.active, CouponTemplate.claimable,
                   sa.or_(CouponTemplate.ends_at.is_(None), CouponTemplate.ends_at > now))
            .order_by(CouponTemplate.id)
        ).scalars()
    )


def claimable_packs() -> list[CouponPack]:
    return list(
        db.session.execute(
            sa.select(CouponPack).where(CouponPack.active, CouponPack.claimable)
            .order_by(CouponPack.id)
        ).scalars()
    )


def issue_coupons_bulk(template_id: int, user_ids: sa.Select[Any], *, source: str,
                       source_ref: str | None = None,
                       attribution: tuple[str, int] | None = None) -> int:
    """One coupon of a template for every user the SELECT yields, all or none.

    Set-based: one conditional stock UPDATE for all of them (409 sold_out when the
    template cannot cover everyone) and one multi-row INSERT. Returns how many.
    """
    template = get_template(template_id)
    now = utcnow()
    if template.ends_at is not None and template.ends_at <= now:
        raise TemplateEnded(details={"template_id": template_id})
    ids = list(db.session.execute(user_ids).scalars())
    if not ids:
        return 0
    valid_from, expires_at = _window(template, now)
    with db.session.begin_nested():
        _take_stock(template_id, len(ids))
        db.session.execute(sa.insert(Coupon), [
            {"code": new_code(), "template_id": template_id, "user_id": uid, "status": "active",
             "source": source[:20], "source_ref": source_ref, "valid_from": valid_from,
             "expires_at": expires_at, "created_at": now,
             "attribution_kind": attribution[0] if attribution else None,
             "attribution_id": attribution[1] if attribution else None}
            for uid in ids
        ])
    return len(ids)
