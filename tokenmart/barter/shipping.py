"""The shipping fee of a swap and what a coupon takes off it, known before ordering.

One rule for the fee (`shipping_fee_cents`), used by `place_order` when it charges and
by the order form when it quotes, so the page shows exactly what ordering will cost:
the flowers held in escrow, and for post the cash fee minus the chosen coupon.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tokenmart.barter import integrations
from tokenmart.barter.integrations import CouponOffer
from tokenmart.barter.settings import setting
from tokenmart.errors import DomainError


def shipping_fee_cents(handover: str) -> int:
    """The cash fee for this hand-over, CNY cents: the configured fee for post, 0 for a meet-up."""
    return int(setting("BARTER_SHIPPING_FEE_CENTS")) if handover == "post" else 0


@dataclass(frozen=True)
class ShippingQuote:
    """What ordering by post costs in cash, before anything is charged."""

    #: the fee for post, before any coupon (shown even while meet-up is chosen)
    fee_cents: int
    #: the buyer's coupons that take something off that fee, biggest saving first
    coupons: list[CouponOffer] = field(default_factory=list)
    #: the coupon the quote applies (picked or typed), normalized as stored
    coupon_code: str | None = None
    discount_cents: int = 0
    #: why the chosen coupon cannot be used (nothing is taken off then)
    coupon_error: DomainError | None = None

    @property
    def due_cents(self) -> int:
        return self.fee_cents - self.discount_cents


def quote_shipping(buyer_id: int | None, coupon_code: str | None = None) -> ShippingQuote:
    """The post fee, the buyer's usable coupons, and the fee after `coupon_code`.

    Changes nothing and never raises for a bad coupon: the reason is in `coupon_error`
    (the same errors `place_order` would raise), so the form can say it before ordering.
    """
    fee = shipping_fee_cents("post")
    if buyer_id is None:
        return ShippingQuote(fee)
    offers = integrations.shipping_coupons(buyer_id, fee)
    code = (coupon_code or "").strip() or None
    if code is None:
        return ShippingQuote(fee, offers)
    try:
        discount = min(fee, integrations.quote_coupon(code, buyer_id, fee))
    except DomainError as err:
        return ShippingQuote(fee, offers, code, 0, err)
    return ShippingQuote(fee, offers, code, discount)
