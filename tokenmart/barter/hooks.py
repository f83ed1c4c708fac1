"""What barter plugs into other domains at import: ledger kinds, the escrow check in
`ledger verify`, notification wording, the words of its margin entries on the period
page, and hiding a banned seller's listings.

Imported once by the package (`tokenmart/barter/__init__.py`), so whatever part of
barter is loaded first (models by discovery, a service by a job) the hooks are in
place; this module depends on the models, never the other way round.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.accounts import signals
from tokenmart.barter import margin
from tokenmart.barter.models import ESCROW_ACCOUNT, OPEN_ORDER_STATUSES, Listing, Order
from tokenmart.clearing.memos import register_describer
from tokenmart.extensions import db
from tokenmart.ledger import kinds
from tokenmart.ledger.service import system_balance
from tokenmart.ledger.verify import Problem, register_check
from tokenmart.notifications.service import register_renderer

__all__ = ["ESCROW_ACCOUNT", "escrow_matches_open_orders"]


def _describer(label: Any) -> Any:
    def describe(details: dict[str, Any]) -> str:
        title = details.get("title")
        return f"{label}: {title}" if title else str(label)

    return describe


for _kind, _label in (
    ("escrow", _l("Swap: flowers held")),
    ("release", _l("Swap completed")),
    ("refund", _l("Swap refunded")),
):
    kinds.register_kind(_kind, _label, _describer(_label))


@register_check
def escrow_matches_open_orders() -> list[Problem]:
    """The escrow account holds exactly the prices of the open (unsettled) orders."""

    held = system_balance(ESCROW_ACCOUNT, "flower")
    owed = int(
        db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Order.price), 0)).where(
                Order.status.in_(OPEN_ORDER_STATUSES)
            )
        ).scalar_one()
    )
    if held == owed:
        return []
    return [Problem(
        "escrow_mismatch",
        f"escrow holds {held} flowers but open orders total {owed}",
        {"escrow": held, "open_orders": owed},
    )]


_EVENT_TEXT = {
    "ordered": _l("%(who)s ordered “%(title)s”. Arrange the hand-over and ship it."),
    "shipped": _l("“%(title)s” was shipped by %(who)s."),
    "completed": _l("The swap of “%(title)s” is complete."),
    "auto_confirmed": _l("The swap of “%(title)s” was confirmed automatically."),
    "cancelled": _l("%(who)s cancelled the order for “%(title)s”."),
    "disputed": _l("%(who)s opened a dispute about “%(title)s”."),
    "refunded": _l("The dispute about “%(title)s” was resolved with a refund."),
    "released": _l("The dispute about “%(title)s” was resolved: flowers released to the seller."),
    "message": _l("New message from %(who)s about “%(title)s”."),
    "approved": _l("Your listing “%(title)s” is live."),
    "rejected": _l("Your listing “%(title)s” was rejected: %(reason)s"),
    "removed": _l("Your listing “%(title)s” was removed: %(reason)s"),
}


#: a meet-up's own words where the post's would say "ship" (notifications from before
#: orders carried their hand-over read as post ones)
_MEETUP_EVENT_TEXT = {
    "ordered": _l("%(who)s ordered “%(title)s”. Arrange where and when to meet in the "
                  "order's messages."),
    "shipped": _l("%(who)s handed over “%(title)s”. Confirm once you have it."),
}


def _render_barter(params: dict[str, Any]) -> str:
    event = params.get("event", "")
    template = (params.get("handover") == "meetup" and _MEETUP_EVENT_TEXT.get(event)
                or _EVENT_TEXT.get(event))
    if template is None:
        return _("Barter update")
    return str(template) % {
        "who": params.get("who", ""), "title": params.get("title", ""),
        "reason": params.get("reason", ""),
    }


register_renderer("barter", _render_barter)
register_describer(margin.FEE_SOURCE, margin.describe_fee)
register_describer(margin.REFUND_SOURCE, margin.describe_refund)


def _hide_banned_sellers_listings(user: Any, **_kw: Any) -> None:
    """A banned seller's live listings disappear; open orders stay resolvable."""
    db.session.execute(
        sa.update(Listing)
        .where(Listing.seller_id == user.id, Listing.hidden_reason.is_(None),
               Listing.status.in_(("active", "pending_review")))
        .values(hidden_reason="seller_banned")
    )


def _unhide_unbanned_sellers_listings(user: Any, **_kw: Any) -> None:
    db.session.execute(
        sa.update(Listing)
        .where(Listing.seller_id == user.id, Listing.hidden_reason == "seller_banned")
        .values(hidden_reason=None)
    )


signals.user_banned.connect(_hide_banned_sellers_listings)
signals.user_unbanned.connect(_unhide_unbanned_sellers_listings)
