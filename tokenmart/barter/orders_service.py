"""Swaps: order (flowers into escrow), ship, confirm, cancel, dispute, resolve.

Escrow moves only through the ledger, each movement keyed by its order
(`escrow:{id}`, `release:{id}`, `refund:{id}`), and every status change is a
conditional UPDATE on the order's current status, so a hold resolves exactly once even
when a confirmation, a cancellation and the auto-confirm job race.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.audit import service as audit
from tokenmart.barter import integrations
from tokenmart.barter.listings_service import LISTING_TRANSITIONS
from tokenmart.barter.models import ESCROW_ACCOUNT, Listing, Order
from tokenmart.barter.payments import get_provider
from tokenmart.barter.settings import setting
from tokenmart.barter.shipping import shipping_fee_cents
from tokenmart.core.clock import utcnow
from tokenmart.core.pagination import Page, paginate
from tokenmart.errors import (
    N_,
    Conflict,
    DomainError,
    InvalidState,
    NotFound,
    ValidationError,
    field_error,
    filled,
)
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.notifications.service import notify


class NotYourOrder(DomainError):
    status, code, message = 403, "not_your_order", N_("You cannot do this with this order.")


class OwnListing(DomainError):
    status, code, message = 403, "own_listing", N_("You cannot order your own listing.")


#: the hand-over to choose instead, by the listing's own way (a field message is one
#: catalog sentence, so each way has its own)
CHOOSE_HANDOVER = {
    "post": N_("Choose post."),
    "meetup": N_("Choose meetup."),
    "both": N_("Choose post or meetup."),
}


#: how long a tracking number may be once the spaces around it are trimmed (the column
#: holds 64; the rule, not the column, says what a tracking number is)
TRACKING_NO_MIN, TRACKING_NO_MAX = 6, 40
TRACKING_NO = re.compile(rf"[A-Za-z0-9-]{{{TRACKING_NO_MIN},{TRACKING_NO_MAX}}}")
TRACKING_NO_RULE = N_("A tracking number is %(min)s to %(max)s letters, digits or dashes.")


def clean_tracking_no(tracking_no: str | None, *, required: bool) -> str | None:
    """The tracking number as stored (trimmed), None when none was given and none is
    needed. The one rule for the ship form and the API: letters, digits and dashes,
    TRACKING_NO_MIN to TRACKING_NO_MAX of them; anything else is refused whole, never cut
    to fit (a buyer once saw the first 64 characters of "SF😀999...").

    Raises ValidationError (422) on `tracking_no`: missing while `required`, or not a
    tracking number.
    """
    text = (tracking_no or "").strip()
    if not text:
        if required:
            raise field_error("tracking_no", N_("Enter the tracking number of the parcel."))
        return None
    if not TRACKING_NO.fullmatch(text):
        bounds = {"min": TRACKING_NO_MIN, "max": TRACKING_NO_MAX}
        raise ValidationError(TRACKING_NO_RULE, params=bounds, details={
            "fields": {"tracking_no": [filled(TRACKING_NO_RULE, **bounds)]}})
    return text


class ListingNotAvailable(Conflict):
    code, message = "listing_not_available", N_("This listing is no longer available.")


@dataclass(frozen=True)
class OrderTransition:
    sources: tuple[str, ...]
    target: str
    #: who may do it: any of "buyer", "seller", "admin", "system"
    actors: tuple[str, ...]
    #: the notification event sent to the other side
    event: str
    #: what happens to escrow: "release" (to seller), "refund" (to buyer) or None
    escrow: str | None = None
    #: the listing transition that follows
    listing: str | None = None


ORDER_TRANSITIONS: dict[str, OrderTransition] = {
    "ship": OrderTransition(("ordered",), "shipped", ("seller",), "shipped"),
    "cancel": OrderTransition(("ordered",), "cancelled", ("buyer", "seller"), "cancelled",
                              escrow="refund", listing="unreserve"),
    "confirm": OrderTransition(("shipped",), "completed", ("buyer",), "completed",
                               escrow="release", listing="sell"),
    "auto_confirm": OrderTransition(("shipped",), "completed", ("system",), "auto_confirmed",
                                    escrow="release", listing="sell"),
    "dispute": OrderTransition(("shipped",), "disputed", ("buyer",), "disputed"),
    "refund": OrderTransition(("disputed",), "refunded", ("admin",), "refunded",
                              escrow="refund", listing="retire"),
    "release": OrderTransition(("disputed",), "completed", ("admin",), "released",
                               escrow="release", listing="sell"),
}


def get_order(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound(N_("No such order."))
    return order


def get_order_for(order_id: int, user: User) -> Order:
    """The order if `user` is its buyer, its seller or an admin; else 403 not_your_order."""
    order = get_order(order_id)
    if user.id not in (order.buyer_id, order.seller_id) and not user.is_admin:
        raise NotYourOrder()
    return order


def place_order(
    listing_id: int, buyer: User, *, handover: str, address: str | None = None,
    coupon_code: str | None = None,
) -> Order:
    """Reserve the listing and move its price from the buyer into escrow.

    Exactly one buyer wins a race (conditional UPDATE on the listing's status); the
    rest get 409 listing_not_available with nothing changed. Raises 403 own_listing,
    409 insufficient_balance (nothing applied), 422 for a bad hand-over or coupon.
    """
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(N_("No such listing."))
    if listing.seller_id == buyer.id:
        raise OwnListing()
    if handover not in ("post", "meetup") or listing.handover not in (handover, "both"):
        raise ValidationError(
            N_("This listing is not handed over that way."),
            details={"fields": {"handover": [CHOOSE_HANDOVER[listing.handover]]}},
        )
    address = (address or "").strip() or None
    if handover == "post" and not address:
        raise ValidationError(N_("Post needs an address."),
                              details={"fields": {"address": [N_("Required for post.")]}})
    fee = shipping_fee_cents(handover)
    if coupon_code and fee == 0:
        raise ValidationError(N_("Coupons only reduce the shipping fee of posted items."),
                              details={"fields": {"coupon_code": [N_("Only for post.")]}})
    with db.session.begin_nested():
        reserved = db.session.execute(
            sa.update(Listing)
            .where(Listing.id == listing_id,
                   Listing.status.in_(LISTING_TRANSITIONS["reserve"].sources),
                   Listing.hidden_reason.is_(None))
            .values(status=LISTING_TRANSITIONS["reserve"].target, updated_at=utcnow())
            .returning(Listing.price, Listing.seller_id, Listing.title)
            .execution_options(synchronize_session=False)
        ).first()
        if reserved is None:
            raise ListingNotAvailable()
        order = Order(
            listing_id=listing_id, buyer_id=buyer.id, seller_id=reserved.seller_id,
            price=reserved.price, handover=handover, address=address,
            shipping_fee_cents=fee, status="ordered",
        )
        db.session.add(order)
        db.session.flush()
        ledger.transfer(
            "escrow", "flower", reserved.price, ledger.user(buyer.id), ledger.system(ESCROW_ACCOUNT),
            actor_id=buyer.id, idempotency_key=f"escrow:{order.id}",
            details={"order_id": order.id, "title": reserved.title},
        )
        if fee:
            _pay_shipping(order, buyer, coupon_code, reserved.title)
    db.session.refresh(listing)
    _notify(order, "ordered", buyer, reserved.title)
    return order


def _pay_shipping(order: Order, buyer: User, coupon_code: str | None, title: str) -> None:
    fee = order.shipping_fee_cents
    discount = 0
    if coupon_code:
        discount = min(fee, integrations.redeem_coupon(coupon_code, buyer.id, fee, fee))
        order.coupon_code = coupon_code
        order.discount_cents = discount
    due = fee - discount
    if due > 0:
        get_provider().charge(order, due)
        integrations.record_revenue(due, title, order.id)
    db.session.flush()


def transition(
    order_id: int, action: str, actor: User | None, *, tracking_no: str | None = None,
    reason: str | None = None,
) -> Order:
    """The one way an order changes state (see ORDER_TRANSITIONS).

    "ship" needs a tracking number for post (`clean_tracking_no`); a meet-up is marked
    handed over without one (one it is given must still be a tracking number).

    Raises 403 not_your_order when `actor` may not take `action` on this order and
    409 invalid_state when the order is not in a state the action starts from; a
    losing racer gets invalid_state and nothing moves.
    """
    rule = ORDER_TRANSITIONS[action]
    order = get_order(order_id)
    roles = _roles(order, actor)
    if not roles & set(rule.actors):
        raise NotYourOrder()
    now = utcnow()
    values: dict[str, Any] = {"status": rule.target, "updated_at": now}
    if action == "ship":
        # A parcel has a tracking number; a meet-up is simply handed over.
        tracking = clean_tracking_no(tracking_no, required=order.handover == "post")
        values.update(tracking_no=tracking, shipped_at=now)
    if action == "dispute":
        if not reason or not reason.strip():
            raise ValidationError(details={"fields": {"reason": [N_("Required.")]}})
        values["dispute_reason"] = reason.strip()[:1000]
    if action in ("refund", "release") and reason:
        values["resolution_note"] = reason.strip()[:1000]
    if action == "cancel" and actor is not None:
        values["cancelled_by"] = actor.id
    if rule.escrow:
        values["closed_at"] = now
    with db.session.begin_nested():
        moved = db.session.execute(
            sa.update(Order)
            .where(Order.id == order_id, Order.status.in_(rule.sources))
            .values(**values)
            .returning(Order.id)
            .execution_options(synchronize_session=False)
        ).first()
        if moved is None:
            db.session.refresh(order)
            raise InvalidState(
                N_("The order is %(status)s; you cannot %(action)s it now."),
                params={"status": order.status, "action": action.replace("_", " ")},
                details={"status": order.status, "action": action},
            )
        db.session.refresh(order)
        title = _title(order)
        _settle_escrow(order, rule.escrow, actor, title)
        if rule.listing:
            _move_listing(order.listing_id, rule.listing)
        if action == "cancel" and order.handover == "post":
            _undo_shipping(order, title)
        if rule.escrow == "release":
            integrations.swap_completed(order.buyer_id, order.seller_id)
    if actor is not None and "admin" in roles and action in ("refund", "release"):
        audit.record(actor.id, f"order.{action}", "order", order.id,
                     {"status": "disputed"}, {"status": order.status})
    _notify(order, rule.event, actor, title)
    return order


def _roles(order: Order, actor: User | None) -> set[str]:
    if actor is None:
        return {"system"}
    roles = set()
    if actor.id == order.buyer_id:
        roles.add("buyer")
    if actor.id == order.seller_id:
        roles.add("seller")
    if actor.is_admin:
        roles.add("admin")
    return roles


def _title(order: Order) -> str:
    return db.session.execute(
        sa.select(Listing.title).where(Listing.id == order.listing_id)
    ).scalar_one()


def _settle_escrow(order: Order, how: str | None, actor: User | None, title: str) -> None:
    if how is None:
        return
    to_user = order.seller_id if how == "release" else order.buyer_id
    ledger.transfer(
        how, "flower", order.price, ledger.system(ESCROW_ACCOUNT), ledger.user(to_user),
        actor_id=actor.id if actor else None, idempotency_key=f"{how}:{order.id}",
        details={"order_id": order.id, "title": title},
    )


def _move_listing(listing_id: int, action: str) -> None:
    rule = LISTING_TRANSITIONS[action]
    # A listing an admin removed meanwhile stays removed; the order still settles.
    db.session.execute(
        sa.update(Listing)
        .where(Listing.id == listing_id, Listing.status.in_(rule.sources))
        .values(status=rule.target, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _undo_shipping(order: Order, title: str) -> None:
    if order.coupon_code:
        integrations.return_coupon(order.coupon_code)
    due = order.shipping_fee_cents - order.discount_cents
    if due > 0:
        get_provider().refund(order, due)
        integrations.reverse_revenue(due, title, order.id)


def _notify(order: Order, event: str, actor: User | None, title: str) -> None:
    params = {"event": event, "order_id": order.id, "title": title, "handover": order.handover,
              "who": actor.username if actor is not None else ""}
    link = f"/orders/{order.id}"
    recipients = {order.buyer_id, order.seller_id}
    if actor is not None and actor.id in recipients:
        recipients.discard(actor.id)
    for user_id in sorted(recipients):
        notify(user_id, "barter", params, link=link)


def list_orders(user_id: int, role: str | None, status: str | None, cursor: str | None,
                limit: int) -> Page:
    query = sa.select(Order)
    if role == "buyer":
        query = query.where(Order.buyer_id == user_id)
    elif role == "seller":
        query = query.where(Order.seller_id == user_id)
    else:
        query = query.where(sa.or_(Order.buyer_id == user_id, Order.seller_id == user_id))
    if status:
        query = query.where(Order.status == status)
    return paginate(query, Order.id, cursor, limit)


def list_all_orders(status: str | None, cursor: str | None, limit: int) -> Page:
    query = sa.select(Order)
    if status:
        query = query.where(Order.status == status)
    return paginate(query, Order.id, cursor, limit)


def next_actions(order: Order, user: User) -> list[str]:
    """What `user` may do with `order` now (for the orders page)."""
    roles = _roles(order, user)
    return [name for name, rule in ORDER_TRANSITIONS.items()
            if order.status in rule.sources and roles & set(rule.actors)
            and not (name in ("refund", "release") and roles & {"buyer", "seller"})]


def due_for_auto_confirm() -> list[int]:
    """Ids of orders shipped at least BARTER_AUTO_CONFIRM_DAYS ago."""
    cutoff = utcnow() - timedelta(days=int(setting("BARTER_AUTO_CONFIRM_DAYS")))
    return list(db.session.execute(
        sa.select(Order.id).where(Order.status == "shipped", Order.shipped_at <= cutoff)
        .order_by(Order.id)
    ).scalars())
