"""Barter pages: browse, listing, sell, my listings, edit, orders; home feed and profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tokenmart.barter import listings_service, orders_service, photos, reports_service
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
from tokenmart.barter.models import Listing
from tokenmart.barter.search import SORTS, SearchQuery, search_listings
from tokenmart.barter.storage import get_storage, valid_key
from tokenmart.errors import DomainError
from tokenmart.extensions import db

bp = Blueprint("barter", __name__)


def error_text(err: DomainError) -> str:
    """The reader's-language sentence for a domain error shown as a flash message."""
    texts = {
        "listing_not_available": _("Sorry, someone else got this one first."),
        "insufficient_balance": _("You do not have enough little red flowers."),
        "own_listing": _("That is your own listing."),
        "not_your_order": _("You cannot do this with this order."),
        "not_your_listing": _("This is not your listing."),
        "invalid_state": _("That is not possible any more; the page was out of date."),
        "already_reported": _("You already reported this listing."),
        "already_rated": _("You already rated this swap."),
        "too_many_photos": _("A listing can have at most 6 photos."),
        "photo_too_large": _("Photos may be at most 5 MB."),
        "photo_too_many_pixels": _("That photo has too many pixels."),
        "unsupported_photo": _("Upload a JPEG, PNG or WebP photo."),
    }
    if err.code in texts:
        return texts[err.code]
    fields = err.details.get("fields") if err.details else None
    if fields:
        return "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in fields.items())
    return err.message


def _attempt(action: Callable[[], Any], success: str | None) -> bool:
    """Run a service call and commit, or roll back and flash the reason."""
    try:
        action()
    except DomainError as err:
        db.session.rollback()
        flash(error_text(err), "error")
        return False
    db.session.commit()
    if success:
        flash(success, "success")
    return True


def _search_from_args() -> SearchQuery:
    def as_int(name: str) -> int | None:
        value = request.args.get(name, "").strip()
        return int(value) if value.isdigit() else None

    category = request.args.get("category") or None
    sort = request.args.get("sort") or None
    return SearchQuery(
        q=(request.args.get("q") or "").strip()[:100] or None,
        category=category if category in dict(category_choices()) else None,
        city=(request.args.get("city") or "").strip()[:60] or None,
        min_price=as_int("min_price"), max_price=as_int("max_price"),
        sort=sort if sort in SORTS else None, cursor=request.args.get("cursor") or None,
        limit=24,
    )


def _feed_context(params: SearchQuery) -> dict[str, Any]:
    try:
        page = search_listings(params)
    except DomainError:
        page = search_listings(SearchQuery(limit=params.limit))
    return {"page": page, "thumbs": photos.photos_of([x.id for x in page.items]),
            "params": params, "categories": category_choices(), "sorts": SORTS}


def home_feed() -> dict[str, Any]:
    return {"template": "barter/_feed.html", **_feed_context(SearchQuery(limit=12))}


def profile_stats(user: Any) -> dict[str, Any]:
    return {"template": "barter/_profile_stats.html", "stats": trust.trader_stats(user.id)}


@bp.get("/market")
def browse() -> Any:
    return render_template("barter/browse.html", **_feed_context(_search_from_args()))


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int) -> Any:
    viewer = current_user if current_user.is_authenticated else None
    try:
        item = listings_service.get_visible_listing(listing_id, viewer)
    except DomainError:
        abort(404)
    from tokenmart.accounts.models import User

    seller = db.session.get(User, item.seller_id)
    form = OrderForm()
    if item.handover != "both":
        form.handover.data = item.handover
    return render_template(
        "barter/listing.html", item=item, seller=seller, stats=trust.trader_stats(item.seller_id),
        pics=photos.photos_of([item.id])[item.id], form=form, report_form=ReportForm(),
        share_url=url_for("barter.listing", listing_id=item.id, _external=True),
    )


@bp.post("/listings/<int:listing_id>/order")
@login_required
def order_listing(listing_id: int) -> Any:
    form = OrderForm()
    if not form.validate_on_submit():
        flash(_("Check the order form."), "error")
        return redirect(url_for("barter.listing", listing_id=listing_id))
    created: dict[str, Any] = {}

    def place() -> None:
        created["order"] = orders_service.place_order(
            listing_id, current_user, handover=form.handover.data, address=form.address.data,
            coupon_code=(form.coupon_code.data or "").strip() or None,
        )

    if _attempt(place, _("Ordered! Your flowers are held until you confirm receipt.")):
        return redirect(url_for("barter.order", order_id=created["order"].id))
    return redirect(url_for("barter.listing", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/report")
@login_required
def report(listing_id: int) -> Any:
    form = ReportForm()
    if form.validate_on_submit():
        _attempt(lambda: reports_service.report_listing(
            listing_id, current_user, form.reason.data, form.note.data or ""),
            _("Thank you; a moderator will look at it."))
    return redirect(url_for("barter.listing", listing_id=listing_id))


def _save_uploads(listing_id: int, files: list[Any]) -> int:
    saved = 0
    for upload in files:
        if not upload or not upload.filename:
            continue
        try:
            with db.session.begin_nested():
                photos.add_photo(listing_id, upload.stream)
            saved += 1
        except DomainError as err:
            flash(f"{upload.filename}: {error_text(err)}", "error")
    return saved


@bp.route("/sell", methods=["GET", "POST"])
@login_required
def sell() -> Any:
    form = ListingForm()
    if form.validate_on_submit():
        try:
            item = listings_service.create_listing(current_user, {
                "title": form.title.data.strip(), "description": form.description.data or "",
                "category": form.category.data, "condition": form.condition.data,
                "price": form.price.data, "city": form.city.data.strip(),
                "handover": form.handover.data,
            })
        except DomainError as err:
            db.session.rollback()
            flash(error_text(err), "error")
            return render_template("barter/sell.html", form=form), 422
        _save_uploads(item.id, request.files.getlist(form.photos.name))
        db.session.commit()
        flash(_("Listed! A moderator will review it shortly."), "success")
        return redirect(url_for("barter.my_listings"))
    return render_template("barter/sell.html", form=form), 422 if form.errors else 200


@bp.get("/my/listings")
@login_required
def my_listings() -> Any:
    page = listings_service.my_listings(current_user.id, request.args.get("cursor"), 30)
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
        if _attempt(lambda: listings_service.edit_listing(listing_id, current_user, changes),
                    _("Saved.")):
            return redirect(url_for("barter.my_listings"))
    return render_template("barter/edit.html", form=form, item=item, photo_form=PhotoForm(),
                           action_form=ActionForm(), pics=photos.photos_of([item.id])[item.id])


@bp.post("/listings/<int:listing_id>/photos")
@login_required
def add_photo(listing_id: int) -> Any:
    _own_listing(listing_id)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            listings_service.photos_changed(listing_id, current_user)
        except DomainError as err:
            db.session.rollback()
            flash(error_text(err), "error")
            return redirect(url_for("barter.edit", listing_id=listing_id))
        if _save_uploads(listing_id, [request.files.get("photo")]):
            flash(_("Photo added."), "success")
        db.session.commit()
    return redirect(url_for("barter.edit", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/photos/<int:photo_id>/delete")
@login_required
def delete_photo(listing_id: int, photo_id: int) -> Any:
    _own_listing(listing_id)
    if ActionForm().validate_on_submit():
        def drop() -> None:
            listings_service.photos_changed(listing_id, current_user)
            photos.remove_photo(listing_id, photo_id)

        _attempt(drop, _("Photo removed."))
    return redirect(url_for("barter.edit", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/withdraw")
@login_required
def withdraw(listing_id: int) -> Any:
    if ActionForm().validate_on_submit():
        _attempt(lambda: listings_service.transition_listing(listing_id, "withdraw", current_user),
                 _("Listing withdrawn."))
    return redirect(url_for("barter.my_listings"))


@bp.get("/orders")
@login_required
def orders() -> Any:
    role = request.args.get("role") if request.args.get("role") in ("buyer", "seller") else None
    page = orders_service.list_orders(current_user.id, role, None, request.args.get("cursor"), 30)
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
    from tokenmart.accounts.models import User

    ratings = trust.ratings_of_order(order_id)
    return render_template(
        "barter/order.html", order=item, listing=db.session.get(Listing, item.listing_id),
        buyer=db.session.get(User, item.buyer_id), seller=db.session.get(User, item.seller_id),
        actions=orders_service.next_actions(item, current_user),
        messages=trust.list_messages(order_id, current_user).items, ratings=ratings,
        can_rate=item.status == "completed"
        and current_user.id in (item.buyer_id, item.seller_id)
        and not any(r.rater_id == current_user.id for r in ratings),
        ship_form=ShipForm(), dispute_form=DisputeForm(), action_form=ActionForm(),
        rating_form=RatingForm(), message_form=MessageForm(),
    )


@bp.post("/orders/<int:order_id>/<any(ship, confirm, cancel, dispute):action>")
@login_required
def order_action(order_id: int, action: str) -> Any:
    form = {"ship": ShipForm, "dispute": DisputeForm}.get(action, ActionForm)()
    if not form.validate_on_submit():
        flash(_("Fill in the form first."), "error")
    else:
        done = {
            "ship": _("Marked as shipped."), "confirm": _("Confirmed. Enjoy your swap!"),
            "cancel": _("Order cancelled; the flowers went back to the buyer."),
            "dispute": _("Dispute opened; an admin will look at it."),
        }[action]
        kw: dict[str, Any] = {}
        if action == "ship":
            kw["tracking_no"] = form.tracking_no.data
        if action == "dispute":
            kw["reason"] = form.reason.data
        _attempt(lambda: orders_service.transition(order_id, action, current_user, **kw), done)
    return redirect(request.form.get("back") or url_for("barter.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/rate")
@login_required
def rate(order_id: int) -> Any:
    form = RatingForm()
    if form.validate_on_submit():
        _attempt(lambda: trust.rate_order(order_id, current_user, int(form.stars.data),
                                          form.comment.data or ""), _("Thanks for rating."))
    return redirect(url_for("barter.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/messages")
@login_required
def message(order_id: int) -> Any:
    form = MessageForm()
    if form.validate_on_submit():
        _attempt(lambda: trust.post_message(order_id, current_user, form.body.data), None)
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
