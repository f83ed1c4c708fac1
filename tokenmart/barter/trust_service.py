"""Trust between strangers: ratings after a completed swap, profile stats, and each
order's private message thread."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.accounts.models import User
from tokenmart.barter.models import Order, OrderMessage, Rating
from tokenmart.barter.orders_service import NotYourOrder, _notify, _title, get_order_for
from tokenmart.core.pagination import Page
from tokenmart.errors import N_, Conflict, InvalidState
from tokenmart.extensions import db


@dataclass
class TraderStats:
    user_id: int
    swaps_done: int
    ratings: int
    average_rating: float | None


def rate_order(order_id: int, rater: User, stars: int, comment: str = "") -> Rating:
    """The buyer rates the seller or vice versa, once per order (409 already_rated)."""
    order = get_order_for(order_id, rater)
    if rater.id not in (order.buyer_id, order.seller_id):
        raise NotYourOrder()
    if order.status != "completed":
        raise InvalidState(N_("You can rate once the swap is completed."),
                           details={"status": order.status})
    ratee = order.seller_id if rater.id == order.buyer_id else order.buyer_id
    rating = Rating(order_id=order.id, rater_id=rater.id, ratee_id=ratee, stars=stars,
                    comment=(comment or "").strip()[:500])
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("You already rated this swap."), code="already_rated") from exc
    return rating


def trader_stats(user_id: int) -> TraderStats:
    swaps = db.session.execute(
        sa.select(sa.func.count()).select_from(Order).where(
            Order.status == "completed",
            sa.or_(Order.buyer_id == user_id, Order.seller_id == user_id),
        )
    ).scalar_one()
    count, average = db.session.execute(
        sa.select(sa.func.count(Rating.id), sa.func.avg(Rating.stars))
        .where(Rating.ratee_id == user_id)
    ).one()
    return TraderStats(user_id, int(swaps), int(count),
                       round(float(average), 2) if average is not None else None)


def ratings_of_order(order_id: int) -> list[Rating]:
    return list(db.session.execute(
        sa.select(Rating).where(Rating.order_id == order_id).order_by(Rating.id)
    ).scalars())


def post_message(order_id: int, author: User, body: str) -> OrderMessage:
    """Buyer and seller write in the order's thread; the other side is notified."""
    order = get_order_for(order_id, author)
    if author.id not in (order.buyer_id, order.seller_id):
        raise NotYourOrder(N_("Only the buyer and the seller write in this thread."))
    message = OrderMessage(order_id=order.id, author_id=author.id, body=body.strip()[:1000])
    db.session.add(message)
    db.session.flush()
    _notify(order, "message", author, _title(order))
    return message


def list_messages(order_id: int, reader: User, cursor: str | None = None,
                  limit: int = 100) -> Page:
    """Oldest first; only the buyer, the seller and admins may read (403 otherwise)."""
    get_order_for(order_id, reader)
    query = sa.select(OrderMessage).where(OrderMessage.order_id == order_id)
    if cursor:
        from tokenmart.core.pagination import decode_cursor

        query = query.where(OrderMessage.id > decode_cursor(cursor))
    rows = list(db.session.execute(query.order_by(OrderMessage.id).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    from tokenmart.core.pagination import encode_cursor

    return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)
