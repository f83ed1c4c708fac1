"""Barter pages: browse, listing, sell, my listings, edit, orders; home feed and profile."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tokenmart.accounts.models import User
from tokenmart.barter import labels, listings_service, orders_service, photos, reports_service
from tokenmart.barter import trust_service as trust
from tokenmart.barter.admin_views import admin_bp  # noqa: F401 - registered by discovery
from tokenmart.barter.forms import (
    ActionForm,
    DisputeForm,
    ListingForm,
    MessageForm,
    OrderForm,
    PhotoForm,
    RatingForm,
    ReportForm,
    ShipForm,
    category_choices,
)
from tokenmart.barter.models import Listing, Order
from tokenmart.barter.search import PRICE_FILTERS, SORTS, SearchQuery, search_listings
from tokenmart.barter.shipping import quote_shipping
from tokenmart.barter.storage import get_storage, valid_key
from tokenmart.barter.web import attempt, coupon_error_text, error_text, errors_into_form
from tokenmart.core.limits import upload_limit
from tokenmart.core.pagination import Page
from tokenmart.core.replicas import reads_replica
from tokenmart.core.web import arg_str, local_path
from tokenmart.errors import DomainError
from tokenmart.extensions import db, limiter

bp = Blueprint("barter", __name__)
#: the first upload's problem is shown on the photo field of the sell form
PHOTO_ERRORS = ("too_many_photos", "photo_too_large", "photo_too_many_pixels",
                "unsupported_photo")


@bp.app_template_filter("swap_status")
def swap_status(order: Order) -> str:
    """An order's state in words for templates (a shipped meet-up reads "handed over")."""
    return labels.order_status(order)


def _search_from_args() -> SearchQuery:
    category = arg_str("category", max_length=20) or None
    sort = arg_str("sort", max_length=20) or None
    return SearchQuery(
        q=arg_str("q") or None,
        category=category if category in dict(category_choices()) else None,
        city=arg_str("city", max_length=60) or None,
        # as typed: search_listings refuses what is not a price, and the form shows it
        min_price=arg_str("min_price") or None, max_price=arg_str("max_price") or None,
        sort=sort if sort in SORTS else None, cursor=arg_str("cursor", max_length=200) or None,
        limit=24,
    )


def _feed_context(params: SearchQuery) -> dict[str, Any]:
    """The search's page of listings; a price filter it refuses comes back as that
    field's message (`price_errors`) with no listings, so nobody mistakes a market that
    ignored their price for one that applied it."""
    price_errors: dict[str, list[str]] = {}
    try:
        page = search_listings(params)
    except DomainError as err:
        price_errors = {k: v for k, v in err.field_texts().items() if k in PRICE_FILTERS}
        # an old or made-up cursor: the first page of the same search instead
        page = Page([], None) if price_errors else search_listings(replace(params, cursor=None))
    return {"page": page, "thumbs": photos.photos_of([x.id for x in page.items]),
            "params": params, "categories": category_choices(), "sorts": SORTS,
            "price_errors": price_errors}


def home_feed() -> dict[str, Any]:
    return {"template": "barter/_feed.html", **_feed_context(SearchQuery(limit=12))}


def profile_stats(user: Any) -> dict[str, Any]:
    return {"template": "barter/_profile_stats.html", "stats": trust.trader_stats(user.id)}


@bp.get("/market")
@reads_replica
def browse() -> Any:
    """The market; a price filter it cannot use is a 422 that says so at the field."""
    context = _feed_context(_search_from_args())
    return render_template("barter/browse.html", **context), 422 if context["price_errors"] else 200


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int) -> Any:
    """A listing with its order form; ?handover=post&coupon=CODE pre-fills the form (and
    quotes the fee) so a link can open it ready to order."""
    item = _visible_listing(listing_id)
    form = OrderForm()
    handover = arg_str("handover", max_length=10)
    form.handover.data = item.handover if item.handover != "both" else (
        handover if handover in ("post", "meetup") else "meetup")
    if "coupon" in request.args:
        form.coupon_code.data = arg_str("coupon", max_length=64)
    elif current_user.is_authenticated and item.handover != "meetup":
        # Like the shopping apps people know: the biggest saving is picked for them.
        best = quote_shipping(current_user.id).coupons
        form.coupon_pick.data = best[0].code if best else ""
    return _listing_page(item, form)


def _visible_listing(listing_id: int) -> Listing:
    viewer = current_user if current_user.is_authenticated else None
    try:
        return listings_service.get_visible_listing(listing_id, viewer)
    except DomainError:
        abort(404)


def _listing_page(item: Listing, form: OrderForm, status: int = 200,
                  form_error: str | None = None, err: DomainError | None = None) -> Any:
    """The listing with its order form, quoted for the coupon entered; `err` (from
    place_order) becomes the form's message and field errors."""
    buyer_id = current_user.id if current_user.is_authenticated else None
    quote = quote_shipping(buyer_id, form.coupon_entered())
    if quote.coupon_error is not None:
        form.coupon_code.errors = [coupon_error_text(quote.coupon_error)]
    if err is not None:
        same = quote.coupon_error is not None and err.code == quote.coupon_error.code
        form_error = form.coupon_code.errors[0] if same else (
            errors_into_form(err, form, "coupon_code") or _("Check the order form."))
    return render_template(
        "barter/listing.html", item=item, live=listings_service.is_live(item),
        seller=db.session.get(User, item.seller_id),
        stats=trust.trader_stats(item.seller_id), pics=photos.photos_of([item.id])[item.id],
        form=form, quote=quote, form_error=form_error, report_form=ReportForm(),
        share_url=url_for("barter.listing", listing_id=item.id, _external=True),
    ), status


@bp.post("/listings/<int:listing_id>/order")
@login_required
def order_listing(listing_id: int) -> Any:
    """Order, or (the "Check the fee" button) show the fee with the chosen coupon; any
    problem re-renders the form with what was typed and chosen kept."""
    item = _visible_listing(listing_id)
    form = OrderForm()
    if not form.validate_on_submit():
        return _listing_page(item, form, 422, _("Check the order form."))
    if request.form.get("preview"):
        return _listing_page(item, form)
    created: dict[str, Order] = {}
    try:
        created["order"] = orders_service.place_order(
            listing_id, current_user, handover=form.handover.data, address=form.address.data,
            coupon_code=form.chosen_coupon(),
        )
    except DomainError as err:
        db.session.rollback()
        return _listing_page(item, form, err.status, err=err)
    db.session.commit()
    flash(_("Ordered! Your flowers are held until you confirm receipt."), "success")
    return redirect(url_for("barter.order", order_id=created["order"].id))


@bp.post("/listings/<int:listing_id>/report")
@login_required
def report(listing_id: int) -> Any:
    form = ReportForm()
    if form.validate_on_submit():
        attempt(lambda: reports_service.report_listing(
            listing_id, current_user, form.reason.data, form.note.data or ""),
            _("Thank you; a moderator will look at it."))
    return redirect(url_for("barter.listing", listing_id=listing_id))


@bp.route("/sell", methods=["GET", "POST"])
@login_required
@limiter.limit(upload_limit, methods=["POST"])
def sell() -> Any:
    """List an item with its photos: a refused photo lists nothing and keeps the typing."""
    form = ListingForm()
    if form.validate_on_submit():
        uploads = [(f.filename, f.stream) for f in request.files.getlist(form.photos.name)
                   if f and f.filename]
        try:
            listings_service.create_listing(current_user, {
                "title": form.title.data.strip(), "description": form.description.data or "",
                "category": form.category.data, "condition": form.condition.data,
                "price": form.price.data, "city": form.city.data.strip(),
                "handover": form.handover.data,
            }, uploads)
        except DomainError as err:
            db.session.rollback()
            return _sell_page(form, err), 422
        db.session.commit()
        flash(_("Listed! A moderator will review it shortly."), "success")
        return redirect(url_for("barter.my_listings"))
    return render_template("barter/sell.html", form=form), 422 if form.errors else 200


def _sell_page(form: ListingForm, err: DomainError) -> str:
    message = error_text(err)
    filename = (err.details or {}).get("filename")
    if err.code in PHOTO_ERRORS or filename:
        form.photos.errors = [f"{filename}: {message}" if filename else message,
                              _("Nothing was listed yet: choose the photos again and send.")]
        message = _("One of the photos cannot be used.")
    return render_template("barter/sell.html", form=form, form_error=message)


@bp.get("/my/listings")
@login_required
def my_listings() -> Any:
    page = listings_service.my_listings(current_user.id, arg_str("cursor", max_length=200) or None,
                                        30)
    return render_template("barter/my_listings.html", page=page, action_form=ActionForm(),
                           thumbs=photos.photos_of([x.id for x in page.items]))


def _own_listing(listing_id: int) -> Listing:
    item = db.session.get(Listing, listing_id)
    if item is None or item.seller_id != current_user.id:
        abort(404)
    return item


@bp.route("/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id: int) -> Any:
    item = _own_listing(listing_id)
    form = ListingForm(obj=item)
    if form.validate_on_submit():
        changes = {k: getattr(form, k).data for k in listings_service.EDITABLE_FIELDS}
        if attempt(lambda: listings_service.edit_listing(listing_id, current_user, changes),
                   _("Saved.")):
            return redirect(url_for("barter.my_listings"))
    return render_template("barter/edit.html", form=form, item=item, photo_form=PhotoForm(),
                           action_form=ActionForm(), pics=photos.photos_of([item.id])[item.id])


@bp.post("/listings/<int:listing_id>/photos")
@login_required
@limiter.limit(upload_limit)
def add_photo(listing_id: int) -> Any:
    _own_listing(listing_id)
    form = PhotoForm()
    upload = request.files.get("photo")
    if form.validate_on_submit() and upload and upload.filename:
        attempt(lambda: listings_service.add_listing_photo(listing_id, current_user, upload.stream),
                _("Photo added."))
    return redirect(url_for("barter.edit", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/photos/<int:photo_id>/delete")
@login_required
def delete_photo(listing_id: int, photo_id: int) -> Any:
    _own_listing(listing_id)
    if ActionForm().validate_on_submit():
        def drop() -> None:
            listings_service.photos_changed(listing_id, current_user)
            photos.remove_photo(listing_id, photo_id)

        attempt(drop, _("Photo removed."))
    return redirect(url_for("barter.edit", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/withdraw")
@login_required
def withdraw(listing_id: int) -> Any:
    if ActionForm().validate_on_submit():
        attempt(lambda: listings_service.transition_listing(listing_id, "withdraw", current_user),
                _("Listing withdrawn."))
    return redirect(url_for("barter.my_listings"))


@bp.get("/orders")
@login_required
def orders() -> Any:
    role = arg_str("role", max_length=10)
    role = role if role in ("buyer", "seller") else None
    page = orders_service.list_orders(current_user.id, role, None,
                                      arg_str("cursor", max_length=200) or None, 30)
    titles = {o.listing_id: db.session.get(Listing, o.listing_id).title for o in page.items}
    return render_template(
        "barter/orders.html", page=page, role=role, titles=titles,
        actions={o.id: orders_service.next_actions(o, current_user) for o in page.items},
        ship_form=ShipForm(), dispute_form=DisputeForm(), action_form=ActionForm(),
    )


@bp.get("/orders/<int:order_id>")
@login_required
def order(order_id: int) -> Any:
    try:
        item = orders_service.get_order_for(order_id, current_user)
    except DomainError:
        abort(404)
    return _order_page(item)


def _order_page(item: Order, ship_form: ShipForm | None = None, status: int = 200) -> Any:
    """The order with its thread and buttons; `ship_form` is a refused ship form, shown
    with what was typed and its field's message."""
    ratings = trust.ratings_of_order(item.id)
    return render_template(
        "barter/order.html", order=item, listing=db.session.get(Listing, item.listing_id),
        buyer=db.session.get(User, item.buyer_id), seller=db.session.get(User, item.seller_id),
        actions=orders_service.next_actions(item, current_user),
        messages=trust.list_messages(item.id, current_user).items, ratings=ratings,
        can_rate=item.status == "completed"
        and current_user.id in (item.buyer_id, item.seller_id)
        and not any(r.rater_id == current_user.id for r in ratings),
        ship_form=ship_form or ShipForm(), refused_ship=ship_form is not None,
        dispute_form=DisputeForm(), action_form=ActionForm(), rating_form=RatingForm(),
        message_form=MessageForm(),
    ), status


@bp.post("/orders/<int:order_id>/<any(ship, confirm, cancel, dispute):action>")
@login_required
def order_action(order_id: int, action: str) -> Any:
    """One of the order's buttons; a tracking number the service refuses comes back on
    the order's page at its field, as typed (a flash and a redirect would lose both)."""
    form = {"ship": ShipForm, "dispute": DisputeForm}.get(action, ActionForm)()
    if not form.validate_on_submit():
        if action == "ship" and form.errors.get("tracking_no"):
            return _refused_ship(order_id, form)
        flash(_("Fill in the form first."), "error")
        return redirect(_back_to(order_id))
    kw: dict[str, Any] = {}
    if action == "ship":
        kw["tracking_no"] = form.tracking_no.data
    if action == "dispute":
        kw["reason"] = form.reason.data
    try:
        moved = orders_service.transition(order_id, action, current_user, **kw)
    except DomainError as err:
        db.session.rollback()
        if action == "ship" and "tracking_no" in err.field_texts():
            form.tracking_no.errors = [*form.tracking_no.errors, *err.field_texts()["tracking_no"]]
            return _refused_ship(order_id, form)
        flash(error_text(err), "error")
        return redirect(_back_to(order_id))
    db.session.commit()
    flash(_action_done(action, moved), "success")
    return redirect(_back_to(order_id))


def _refused_ship(order_id: int, form: ShipForm) -> Any:
    try:
        item = orders_service.get_order_for(order_id, current_user)
    except DomainError:
        abort(404)
    return _order_page(item, form, 422)


def _action_done(action: str, order: Order) -> str:
    if action == "ship":
        return _("Marked as handed over.") if order.handover == "meetup" else _("Marked as shipped.")
    return {
        "confirm": _("Confirmed. Enjoy your swap!"),
        "cancel": _("Order cancelled; the flowers went back to the buyer."),
        "dispute": _("Dispute opened; an admin will look at it."),
    }[action]


def _back_to(order_id: int) -> str:
    """Back to the orders list the button was on, else the order; never off-site."""
    return local_path(request.form.get("back"), url_for("barter.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/rate")
@login_required
def rate(order_id: int) -> Any:
    form = RatingForm()
    if form.validate_on_submit():
        attempt(lambda: trust.rate_order(order_id, current_user, int(form.stars.data),
                                         form.comment.data or ""), _("Thanks for rating."))
    return redirect(url_for("barter.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/messages")
@login_required
def message(order_id: int) -> Any:
    form = MessageForm()
    if form.validate_on_submit():
        attempt(lambda: trust.post_message(order_id, current_user, form.body.data), None)
    return redirect(url_for("barter.order", order_id=order_id) + "#messages")


@bp.get("/uploads/<path:key>")
def upload(key: str) -> Any:
    """Stored photos; keys are random and immutable, so caches may keep them a year."""
    if not valid_key(key):
        abort(404)
    data = get_storage().load(key)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _register_sections() -> None:
    from tokenmart.accounts.views import PROFILE_SECTIONS
    from tokenmart.home.views import HOME_SECTIONS

    if home_feed not in HOME_SECTIONS:
        HOME_SECTIONS.append(home_feed)
    if profile_stats not in PROFILE_SECTIONS:
        PROFILE_SECTIONS.append(profile_stats)


_register_sections()
