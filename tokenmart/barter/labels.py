"""The words for every barter code a person can see, in one place.

Listing states, categories, conditions, hand-over ways, order states, report reasons,
payment states and why a listing is hidden: templates show them with
`{{ value|label('listing_category') }}`, forms build their choices from the same
mappings (`choices(CATEGORY)`), so a select box and a listing page never disagree.
English texts are deliberately specific ("Home & living", not "Home"): one msgid gets
one translation app-wide, and the nav's "Home" must stay 首页.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from tokenmart.core.labels import define, label

LISTING_STATUS = define("listing_status", {
    "pending_review": _l("Waiting for review"),
    "active": _l("On sale"),
    "rejected": _l("Not approved"),
    "reserved": _l("Reserved by a buyer"),
    "sold": _l("Sold"),
    "withdrawn": _l("Withdrawn"),
    "removed": _l("Removed by a moderator"),
})
#: why a listing is hidden from the market (Listing.hidden_reason)
LISTING_HIDDEN = define("listing_hidden", {
    "reports": _l("Hidden after several reports"),
    "seller_banned": _l("Hidden: the seller is banned"),
})
CATEGORY = define("listing_category", {
    "books": _l("Books & media"),
    "clothing": _l("Clothing & shoes"),
    "electronics": _l("Phones & electronics"),
    "home": _l("Home & living"),
    "kids": _l("Kids & baby"),
    "beauty": _l("Beauty & care"),
    "sports": _l("Sports & outdoors"),
    "other": _l("Other things"),
})
CONDITION = define("listing_condition", {
    "new": _l("Brand new"),
    "like_new": _l("Like new"),
    "good": _l("Good condition"),
    "fair": _l("Shows signs of use"),
})
#: how a listing may be handed over (Listing.handover); an order is post or meetup
HANDOVER = define("handover", {
    "post": _l("By post"),
    "meetup": _l("Meet-up"),
    "both": _l("By post or meet-up"),
})
ORDER_STATUS = define("order_status", {
    "ordered": _l("Ordered, waiting for the seller"),
    "shipped": _l("Sent, waiting for receipt"),
    "completed": _l("Swap completed"),
    "cancelled": _l("Cancelled"),
    "disputed": _l("In dispute"),
    "refunded": _l("Refunded"),
})
#: the words of an order's state when it depends on the hand-over: a meet-up waits for
#: the meeting and is handed over, never "shipped" or "sent" (the Chinese of the post
#: order's "waiting for the seller" is "waiting for the seller to ship", 等待卖家发货)
MEETUP_ORDER_STATUS = define("meetup_order_status", {
    **ORDER_STATUS,
    "ordered": _l("Ordered, waiting for the meet-up"),
    "shipped": _l("Handed over, waiting for confirmation"),
})
REPORT_REASON = define("report_reason", {
    "prohibited": _l("Prohibited item"),
    "spam": _l("Spam or advertising"),
    "fraud": _l("Looks like fraud"),
    "other": _l("Another reason"),
})
PAYMENT_STATUS = define("barter_payment_status", {
    "paid": _l("Shipping fee paid"),
    "refunded": _l("Shipping fee refunded"),
})
SORT = define("listing_sort", {
    "relevance": _l("Best match"),
    "newest": _l("Newest"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
})


def choices(labels: Mapping[str, Any], values: tuple[str, ...] | None = None
            ) -> list[tuple[str, Any]]:
    """(value, label) pairs for a select box, in `values` order (default: the mapping's)."""
    return [(value, labels[value]) for value in (values or tuple(labels))]


def order_status(order: Any) -> str:
    """An order's state in words; a shipped meet-up reads "handed over"."""
    kind = "meetup_order_status" if order.handover == "meetup" else "order_status"
    return label(order.status, kind)
