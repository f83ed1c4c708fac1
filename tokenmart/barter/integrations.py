"""Barter's calls into other domains, in one place: coupons on the shipping fee,
shipping-fee revenue for the period's margin, swap badges, listings as share targets."""

from __future__ import annotations

from tokenmart.clearing.periods import record_revenue as book_margin
from tokenmart.coupons import service as coupons
from tokenmart.earning.badges import award_badge_if_earned
from tokenmart.earning.targets import register_share_target


def redeem_coupon(code: str, buyer_id: int, order_amount_cents: int, fee_cents: int) -> int:
    """Use the buyer's coupon up for this order's shipping fee; returns the discount in
    cents (raises the coupon's errors: 404 unknown or not theirs, 409 coupon_not_active,
    422 below minimum spend)."""
    _coupon, discount = coupons.redeem_coupon(
        code, order_amount_cents=order_amount_cents, redeemed_by=buyer_id, user_id=buyer_id,
        shipping_fee_cents=fee_cents,
    )
    return int(discount)


def return_coupon(code: str) -> None:
    """Give a cancelled order's coupon back to its owner (active again if still valid)."""
    coupons.return_coupon(code)


def record_revenue(amount_cents: int, memo: str, order_id: int) -> None:
    """Book a paid shipping fee as platform revenue of the current period's margin."""
    book_margin(amount_cents, kind="shipping_fee", memo=memo, source_ref=f"order:{order_id}")


def reverse_revenue(amount_cents: int, memo: str, order_id: int) -> None:
    """A refunded shipping fee is a cost of the period it is refunded in (once per order)."""
    book_margin(-amount_cents, kind="shipping_refund", memo=memo,
                source_ref=f"order:{order_id}:refund")


def swap_completed(buyer_id: int, seller_id: int) -> None:
    """Both sides of a completed swap may earn the first-swap badge."""
    for user_id in (buyer_id, seller_id):
        award_badge_if_earned(user_id, "swap")


def _listing_url(listing_id: int) -> str:
    from flask import url_for

    return url_for("barter.listing", listing_id=listing_id)


def _listing_shareable(listing_id: int) -> bool:
    from tokenmart.barter.models import Listing
    from tokenmart.extensions import db

    listing = db.session.get(Listing, listing_id)
    return listing is not None and listing.status == "active" and listing.hidden_reason is None


register_share_target("listing", _listing_url, _listing_shareable)
