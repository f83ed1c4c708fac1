"""Adapters to domains that may not be installed (coupons, clearing).

Each imports its target lazily, so barter works alone: without coupons a coupon code
is refused (422), without clearing the fee is only kept as the local payment record.
"""

from __future__ import annotations

import logging

from tokenmart.errors import ValidationError

log = logging.getLogger(__name__)


def _coupons_unavailable() -> ValidationError:
    return ValidationError(
        "coupons are not available",
        details={"fields": {"coupon_code": ["coupons are not available"]}},
    )


def quote_discount(code: str, user_id: int, order_amount_cents: int, fee_cents: int) -> int:
    """Discount the coupon would give on this shipping fee (raises the coupon's errors)."""
    try:
        from tokenmart.coupons.service import quote_discount as quote
    except ImportError as exc:
        raise _coupons_unavailable() from exc
    return int(quote(code, user_id, order_amount_cents, shipping_fee_cents=fee_cents))


def redeem_coupon(code: str, buyer_id: int, order_amount_cents: int, fee_cents: int) -> int:
    """Use the coupon up for this order; returns the discount in cents."""
    try:
        from tokenmart.coupons.service import redeem_coupon as redeem
    except ImportError as exc:
        raise _coupons_unavailable() from exc
    _coupon, discount = redeem(
        code, order_amount_cents=order_amount_cents, redeemed_by=buyer_id, user_id=buyer_id,
        shipping_fee_cents=fee_cents,
    )
    return int(discount)


def return_coupon(code: str) -> None:
    """Give a cancelled order's coupon back to its owner."""
    try:
        from tokenmart.coupons.service import return_coupon as give_back
    except ImportError:
        log.warning("coupon %s not returned: the coupons domain is not installed", code)
        return
    give_back(code)


def record_revenue(amount_cents: int, memo: str, order_id: int) -> bool:
    """Book a shipping fee as platform revenue of the current period, if clearing exists."""
    try:
        from tokenmart.clearing.service import record_revenue as book
    except ImportError:
        return False
    book(amount_cents, kind="shipping_fee", memo=memo, source_ref=f"order:{order_id}")
    return True
