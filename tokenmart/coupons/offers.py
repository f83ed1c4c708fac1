"""What a user is offered: the claimable templates and packs, each with whether this
user may claim it now (and why not), and where a coupon can be used.

Pages read these instead of working the rules out themselves: the claim services and
the Claim buttons use the same checks (coupon_service.ineligibility, the claim
counters, the stock), so a button is never offered that the claim would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tokenmart.accounts.models import User
from tokenmart.coupons import counters
from tokenmart.coupons.coupon_service import (
    claimable_packs,
    claimable_templates,
    ineligibility,
)
from tokenmart.coupons.models import CouponPack, CouponTemplate
from tokenmart.errors import N_, NotFound
from tokenmart.extensions import db


@dataclass
class Offer:
    """A claimable template or pack as one user sees it.

    `blocked` is None when Claim works, else why not: "claimed" (the per-user limit is
    used up), "not_eligible" (with `details` from ineligibility) or "sold_out".
    """

    item: CouponTemplate | CouponPack
    is_pack: bool
    blocked: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """"t<id>" or "p<id>": names the offer on the page (and in the claim counters)."""
        return f"p{self.item.id}" if self.is_pack else f"t{self.item.id}"

    @property
    def testid(self) -> str:
        """The Claim button's data-testid (tests and the browser journeys find it by it)."""
        return f"claim-pack-{self.item.id}" if self.is_pack else f"claim-{self.item.id}"


def _template_offer(template: CouponTemplate, user: User) -> Offer:
    offer = Offer(template, is_pack=False)
    problem = ineligibility(template, user)
    if counters.value(f"claim:t{template.id}", user.id) >= template.per_user_limit:
        offer.blocked = "claimed"
    elif problem is not None:
        offer.blocked, offer.details = "not_eligible", problem
    elif template.remaining == 0:
        offer.blocked = "sold_out"
    return offer


def _pack_offer(pack: CouponPack, user: User) -> Offer:
    offer = Offer(pack, is_pack=True)
    problems = [p for item in pack.items if (p := ineligibility(item.template, user))]
    if counters.value(f"claim:p{pack.id}", user.id) >= pack.per_user_limit:
        offer.blocked = "claimed"
    elif problems:
        offer.blocked, offer.details = "not_eligible", problems[0]
    elif any(item.template.remaining is not None and item.template.remaining < item.quantity
             for item in pack.items):
        offer.blocked = "sold_out"
    return offer


def offers_for(user_id: int) -> list[Offer]:
    """Every template and pack users may claim now, as this user sees them."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return ([_template_offer(t, user) for t in claimable_templates()]
            + [_pack_offer(p, user) for p in claimable_packs()])


def swap_shipping_fee_cents() -> int | None:
    """The shipping fee of a swap sent by post, or None when barter is not installed.

    Barter redeems a coupon against that fee and compares the minimum spend with the fee
    too, so a coupon whose minimum spend is above it can never be used on a swap.
    """
    try:
        from tokenmart.barter.settings import setting
    except ImportError:
        return None
    return int(setting("BARTER_SHIPPING_FEE_CENTS"))


def where_usable(template: CouponTemplate) -> list[str]:
    """Where a coupon of this template works, as coupon_use label codes.

    A swap's shipping fee (when its minimum spend fits under the fee; every kind
    applies to the fee there), and always a merchant's verify page, where a free
    shipping coupon takes off the shipping fee and the others the order amount.
    """
    places = []
    fee = swap_shipping_fee_cents()
    if fee is not None and template.min_spend_cents <= fee:
        places.append("swap_shipping")
    places.append("merchant_shipping" if template.kind == "free_shipping" else "merchant")
    return places
