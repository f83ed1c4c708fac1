"""Running the mall's catalog: creating and editing rewards, their images and voucher
codes, and shipping physical redemptions. Every change is audited and only flushes;
the caller commits."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

import sqlalchemy as sa

from tokenmart.audit import service as audit
from tokenmart.core.clock import utcnow
from tokenmart.core.content_i18n import clean_translations
from tokenmart.errors import N_, InvalidState, NotFound, field_error
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.mall.catalog_service import get_reward
from tokenmart.mall.images import store_reward_image
from tokenmart.mall.models import (
    GRANT_TYPES,
    REWARD_CURRENCIES,
    Redemption,
    Reward,
    RewardStockBucket,
    VoucherCode,
)

TIERS = ("member", "silver", "gold", "platinum")
MAX_CODES_PER_UPLOAD = 10_000
#: the largest price, stock or limit a reward takes (the API's bound too)
MAX_AMOUNT = 100_000_000
#: the most rows a reward's stock may be spread over (migration 0016's CHECK too)
MAX_STOCK_BUCKETS = 64


def _check_tier_prices(tier_prices: dict[str, Any] | None) -> dict[str, int]:
    result: dict[str, int] = {}
    for tier, value in (tier_prices or {}).items():
        if tier not in TIERS:
            raise field_error("tier_prices",
                               N_("Unknown tier: the tiers are member, silver, gold and platinum."),
                               N_("%(field)s: Unknown tier %(tier)s."), tier=repr(tier))
        if type(value) is not int or not 0 < value <= MAX_AMOUNT:
            raise field_error("tier_prices",
                               N_("A tier price must be a positive whole number, at most the maximum."),
                               N_("%(field)s: The %(tier)s price must be a whole number "
                                  "from 1 to %(max)s."), tier=tier, max=MAX_AMOUNT)
        result[tier] = value
    return result


def _check_tier_prices_not_above(reward: Reward) -> None:
    """A tier's price is a member's discount: above the price everyone pays it would
    charge the loyal more, and the page would strike the lower price through."""
    for tier, value in sorted((reward.tier_prices or {}).items()):
        if value > reward.price:
            raise field_error("tier_prices",
                               N_("A tier price may not be above the normal price."),
                               N_("%(field)s: The %(tier)s price %(value)s is above the "
                                  "normal price %(price)s."),
                               tier=tier, value=value, price=reward.price)


def _check_coupon_grant(reward: Reward, grant: dict[str, Any]) -> None:
    """A coupon reward issues one template's coupon or a whole pack; either must exist."""
    from tokenmart.coupons import service as coupons

    template_id, pack_id = grant.get("template_id"), grant.get("pack_id")
    if (template_id is None) == (pack_id is None):
        raise field_error("grant.template_id",
                           N_("Give a template_id or a pack_id (one of them)."))
    for name, value, getter in (("template_id", template_id, coupons.get_template),
                                ("pack_id", pack_id, coupons.get_pack)):
        if value is None:
            continue
        if type(value) is not int:
            raise field_error(f"grant.{name}", N_("Must be an integer id."))
        try:
            getter(value)
        except NotFound:
            raise field_error(f"grant.{name}", N_("No such coupon template or pack.")) from None
    reward.coupon_template_id, reward.coupon_pack_id = template_id, pack_id


def clean_codes(codes: Iterable[str]) -> list[str]:
    """Strip, drop blanks and duplicates (keeping order); refuse over-long codes."""
    seen: dict[str, None] = {}
    for raw in codes:
        code = (raw or "").strip()
        if not code:
            continue
        if len(code) > 120:
            raise field_error("codes", N_("A code is longer than 120 characters."))
        seen.setdefault(code, None)
    if len(seen) > MAX_CODES_PER_UPLOAD:
        raise field_error("codes", N_("Too many codes for one upload."),
                           N_("%(field)s: At most %(n)s codes at a time."),
                           n=MAX_CODES_PER_UPLOAD)
    return list(seen)


def parse_codes_csv(data: bytes) -> list[str]:
    """The first column of every row of a CSV file (a header row named "code" is skipped)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise field_error("file", N_("The file is not UTF-8 text.")) from exc
    codes = [row[0] for row in csv.reader(io.StringIO(text)) if row]
    if codes and codes[0].strip().lower() == "code":
        codes = codes[1:]
    return clean_codes(codes)


def _snapshot(reward: Reward) -> dict[str, Any]:
    return {
        "name": reward.name, "currency": reward.currency, "price": reward.price,
        "tier_prices": reward.tier_prices, "stock": reward.stock,
        "stock_buckets": reward.stock_buckets,
        "per_user_limit": reward.per_user_limit, "active": reward.active,
        "grant_type": reward.grant_type, "image_key": reward.image_key,
        "translations": reward.translations,
    }


def create_reward(actor_id: int, data: dict[str, Any]) -> Reward:
    """Create a reward (audited). A voucher reward's stock is its number of codes.

    Raises ValidationError naming the field for a bad grant, tier price or window.
    """
    grant = data.get("grant") or {}
    grant_type = grant.get("type")
    if grant_type not in GRANT_TYPES:
        raise field_error("grant.type", N_("Unknown grant type."),
                           N_("%(field)s: One of %(choices)s."), choices=", ".join(GRANT_TYPES))
    if data["currency"] not in REWARD_CURRENCIES:
        raise field_error("currency", N_("flower or coin."))
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        raise field_error("ends_at", N_("Must be after the start time."))
    reward = Reward(
        name=data["name"].strip(), description=(data.get("description") or "").strip(),
        image_url=(data.get("image_url") or "").strip(), currency=data["currency"],
        price=data["price"], tier_prices=_check_tier_prices(data.get("tier_prices")),
        stored_stock=data.get("stock"), per_user_limit=data.get("per_user_limit"),
        starts_at=starts_at, ends_at=ends_at, active=data.get("active", True),
        grant_type=grant_type, created_at=utcnow(),
        translations=clean_translations(data.get("translations"), Reward.TRANSLATED),
    )
    _check_tier_prices_not_above(reward)
    codes: list[str] = []
    if grant_type == "coupon":
        _check_coupon_grant(reward, grant)
    elif grant_type == "voucher_codes":
        codes = clean_codes(grant.get("codes") or [])
        reward.stored_stock = 0
    buckets = _check_buckets(reward, data.get("stock_buckets") or 1)
    db.session.add(reward)
    db.session.flush()
    if buckets > 1:
        set_stock(reward, reward.stored_stock, buckets)
    # Create the burn account with the reward, so even the first redemption of a hot
    # reward stays on the lean path (no get-or-create of a system account inside it).
    ledger.system_account_id(ledger.BURN.code, reward.currency)
    if codes:
        add_voucher_codes(actor_id, reward, codes, audit_it=False)
    audit.record(actor_id, "mall.reward.create", "reward", reward.id, after=_snapshot(reward))
    return reward


EDITABLE = ("name", "description", "image_url", "price", "per_user_limit",
            "starts_at", "ends_at", "active", "tier_prices", "translations")


def update_reward(actor_id: int, reward_id: int, data: dict[str, Any]) -> Reward:
    """Change a reward's editable fields (audited). Voucher stock follows its codes."""
    reward = get_reward(reward_id)
    before = _snapshot(reward)
    if "stock" in data or data.get("stock_buckets", reward.stock_buckets) != reward.stock_buckets:
        if reward.grant_type == "voucher_codes" and "stock" in data:
            raise field_error("stock",
                               N_("A voucher reward's stock is its number of unused codes."))
        buckets = _check_buckets(reward, data.get("stock_buckets") or reward.stock_buckets)
        total = data["stock"] if "stock" in data else _locked_stock(reward)
        set_stock(reward, total, buckets)
    for name in EDITABLE:
        if name not in data:
            continue
        value = data[name]
        if name == "tier_prices":
            value = _check_tier_prices(value)
        if name == "translations":
            value = clean_translations(value, Reward.TRANSLATED)
        if name in ("name", "description", "image_url"):
            value = (value or "").strip()
        setattr(reward, name, value)
    if reward.starts_at and reward.ends_at and reward.ends_at <= reward.starts_at:
        raise field_error("ends_at", N_("Must be after the start time."))
    _check_tier_prices_not_above(reward)
    db.session.flush()
    audit.record(actor_id, "mall.reward.update", "reward", reward.id, before=before,
                 after=_snapshot(reward))
    return reward


def _check_buckets(reward: Reward, buckets: Any) -> int:
    if type(buckets) is not int or not 1 <= buckets <= MAX_STOCK_BUCKETS:
        raise field_error("stock_buckets",
                           N_("Stock buckets must be a whole number from 1 to the maximum."),
                           N_("%(field)s: A whole number from 1 to %(max)s."),
                           max=MAX_STOCK_BUCKETS)
    if buckets > 1 and reward.grant_type == "voucher_codes":
        raise field_error("stock_buckets", N_("A voucher reward's stock is its codes: use 1."))
    return buckets


def _locked_stock(reward: Reward) -> int | None:
    """The live stock, with its rows locked until the commit (a restock based on it)."""
    row = db.session.execute(
        sa.select(Reward.stored_stock, Reward.stock_buckets).where(Reward.id == reward.id)
        .with_for_update()).one()
    if row.stored_stock is None or row.stock_buckets <= 1:
        return row.stored_stock
    return sum(db.session.execute(
        sa.select(RewardStockBucket.stock).where(RewardStockBucket.reward_id == reward.id)
        .order_by(RewardStockBucket.bucket).with_for_update()).scalars())


def set_stock(reward: Reward, total: int | None, buckets: int) -> None:
    """Set the reward's stock to `total` (None: unlimited), spread over `buckets` rows.

    The one place stock is written outside a redemption. Each bucket gets an equal
    share (the first `total % buckets` one more), updated in place in bucket order, so a
    redemption waiting on a bucket's lock sees the new count rather than a deleted row;
    buckets past the new number are removed. With one bucket the stock lives in
    `rewards.stock` as before. Like any "set stock to N", redemptions committed before
    this are absorbed in N. Only flushes.
    """
    reward.stored_stock, reward.stock_buckets = total, buckets
    db.session.flush()
    keep = buckets if buckets > 1 and total is not None else 0
    db.session.execute(sa.delete(RewardStockBucket).where(
        RewardStockBucket.reward_id == reward.id, RewardStockBucket.bucket >= keep))
    for bucket in range(keep):
        assert total is not None  # noqa: S101 - keep > 0 only with a total
        share = total // keep + (1 if bucket < total % keep else 0)
        changed = db.session.execute(
            sa.update(RewardStockBucket)
            .where(RewardStockBucket.reward_id == reward.id, RewardStockBucket.bucket == bucket)
            .values(stock=share)).rowcount
        if not changed:
            db.session.add(RewardStockBucket(reward_id=reward.id, bucket=bucket, stock=share))
    db.session.flush()
    db.session.expire(reward, ["stock"])


def deactivate_reward(actor_id: int, reward_id: int) -> Reward:
    """Take a reward off the mall (audited); redemptions already made stay valid."""
    return update_reward(actor_id, reward_id, {"active": False})


def add_voucher_codes(
    actor_id: int, reward: Reward, codes: list[str], *, audit_it: bool = True
) -> int:
    """Preload codes for a voucher reward; stock rises by the number of new codes.

    Codes already loaded for this reward are skipped. Returns how many were added.
    """
    if reward.grant_type != "voucher_codes":
        raise InvalidState(N_("Only voucher-code rewards take codes."))
    existing = set(db.session.execute(
        sa.select(VoucherCode.code).where(
            VoucherCode.reward_id == reward.id, VoucherCode.code.in_(codes))
    ).scalars()) if codes else set()
    new = [c for c in codes if c not in existing]
    if new:
        now = utcnow()
        db.session.execute(
            sa.insert(VoucherCode),
            [{"reward_id": reward.id, "code": c, "assigned": False, "created_at": now}
             for c in new],
        )
        db.session.execute(
            sa.update(Reward).where(Reward.id == reward.id)
            .values({Reward.stored_stock: sa.func.coalesce(Reward.stored_stock, 0) + len(new)})
        )
        db.session.refresh(reward)
    if audit_it:
        audit.record(actor_id, "mall.voucher_codes.add", "reward", reward.id,
                     after={"added": len(new), "skipped": len(codes) - len(new)})
    return len(new)


def mark_shipped(actor_id: int, redemption_id: int, tracking_no: str | None) -> Redemption:
    """pending -> shipped, once (a conditional UPDATE); 409 invalid_state otherwise."""
    done = db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.shipping_status == "pending")
        .values(shipping_status="shipped", shipped_at=utcnow(),
                tracking_no=(tracking_no or "").strip() or None)
        .returning(Redemption.id)
    ).first()
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound(N_("No such redemption."))
    if done is None:
        raise InvalidState(N_("Only a pending physical redemption can be marked shipped."))
    db.session.refresh(redemption)
    audit.record(actor_id, "mall.redemption.ship", "redemption", redemption_id,
                 after={"tracking_no": redemption.tracking_no})
    return redemption


def set_reward_image(actor_id: int | None, reward: Reward, stream: IO[bytes]) -> Reward:
    """Give the reward an uploaded image (audited), replacing any earlier one.

    The upload is checked by content and re-encoded without metadata, with a thumbnail
    (barter's photo pipeline). Raises PhotoTooLarge (413), UnsupportedPhoto (415) or
    ValidationError (empty file) and then changes nothing in the database. The earlier
    files stay in storage: their keys are never reused, and a rolled-back request must
    not leave a reward pointing at a deleted file.
    """
    before = _snapshot(reward)
    reward.image_key, reward.thumb_key = store_reward_image(reward.id, stream)
    db.session.flush()
    audit.record(actor_id, "mall.reward.image", "reward", reward.id, before=before,
                 after=_snapshot(reward))
    return reward


def remove_reward_image(actor_id: int | None, reward: Reward) -> Reward:
    """Take the uploaded image off the reward (audited); it falls back to image_url."""
    before = _snapshot(reward)
    reward.image_key = reward.thumb_key = None
    db.session.flush()
    audit.record(actor_id, "mall.reward.image", "reward", reward.id, before=before,
                 after=_snapshot(reward))
    return reward
