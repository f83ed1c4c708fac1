"""Barter's calls into other domains, in one place: coupons on the shipping fee,
shipping-fee revenue for the period's margin, swap badges, listings as share targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tokenmart.barter import margin
from tokenmart.clearing.periods import record_revenue as book_margin
from tokenmart.core.content_i18n import local
from tokenmart.coupons import coupon_service
from tokenmart.coupons import service as coupons
from tokenmart.earning.badges import award_badge_if_earned
from tokenmart.earning.targets import register_share_target
from tokenmart.errors import DomainError


def redeem_coupon(code: str, buyer_id: int, order_amount_cents: int, fee_cents: int) -> int:
    """Use the buyer's coupon up for this order's shipping fee; returns the discount in
    cents (raises the coupon's errors: 404 unknown or not theirs, 409 coupon_not_active,
    422 below minimum spend)."""
    _coupon, discount = coupons.redeem_coupon(
        code, order_amount_cents=order_amount_cents, redeemed_by=buyer_id, user_id=buyer_id,
        shipping_fee_cents=fee_cents,
    )
    return int(discount)


#: sorts coupons without an end date after every dated one
NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CouponOffer:
    """One of the buyer's coupons as the order form offers it."""

    #: the stored code (what the form posts back)
    code: str
    #: the code as people read it, in groups of four
    shown_code: str
    name: str
    discount_cents: int
    expires_at: datetime | None


def quote_coupon(code: str, buyer_id: int, fee_cents: int) -> int:
    """What the buyer's coupon would take off this shipping fee, changing nothing
    (raises as redeem_coupon)."""
    return int(coupons.quote_discount(code, buyer_id, fee_cents, shipping_fee_cents=fee_cents))


def shipping_coupons(buyer_id: int, fee_cents: int, limit: int = 50) -> list[CouponOffer]:
    """The buyer's active coupons that take something off this shipping fee, biggest
    saving first (a coupon the fee cannot use, e.g. below its minimum spend, is left out)."""
    offers = []
    for coupon in coupon_service.list_coupons(buyer_id, "active", None, limit).items:
        try:
            discount = quote_coupon(coupon.code, buyer_id, fee_cents)
        except DomainError:
            continue
        if discount > 0:
            offers.append(CouponOffer(coupon.code, coupon_service.format_code(coupon.code),
                                      local(coupon.template, "name"), discount,
                                      coupon.expires_at))
    return sorted(offers, key=lambda o: (-o.discount_cents, o.expires_at or NEVER))


def return_coupon(code: str) -> None:
    """Give a cancelled order's coupon back to its owner (active again if still valid)."""
    coupons.return_coupon(code)


def record_revenue(amount_cents: int, title: str, order_id: int) -> None:
    """Book a paid shipping fee as platform revenue of the current period's margin.

    Only the listing's `title` is stored as the memo: the page words the entry in the
    reader's language (`barter.margin`)."""
    book_margin(amount_cents, kind=margin.FEE_SOURCE, memo=title,
                source_ref=margin.fee_ref(order_id))


def reverse_revenue(amount_cents: int, title: str, order_id: int) -> None:
    """A refunded shipping fee is a cost of the period it is refunded in (once per order)."""
    book_margin(-amount_cents, kind=margin.REFUND_SOURCE, memo=title,
                source_ref=margin.refund_ref(order_id))


def swap_completed(buyer_id: int, seller_id: int) -> None:
    """Both sides of a completed swap may earn the first-swap badge."""
    for user_id in (buyer_id, seller_id):
        award_badge_if_earned(user_id, "swap")


def _listing_url(listing_id: int) -> str:
    from flask import url_for

    return url_for("barter.listing", listing_id=listing_id)


def _listing_shareable(listing_id: int) -> bool:
    """Only a live listing is shared (listings_service.is_live, which the listing page's
    share button asks too)."""
    from tokenmart.barter.listings_service import is_live
    from tokenmart.barter.models import Listing
    from tokenmart.extensions import db

    listing = db.session.get(Listing, listing_id)
    return listing is not None and is_live(listing)


register_share_target("listing", _listing_url, _listing_shareable)
