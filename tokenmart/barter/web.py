"""What barter's page modules share: domain errors in the reader's words, and running a
service call as one committed (or rolled back) step.

Both `views` and `admin_views` import this module, so neither imports the other for a
helper (views imports admin_views only so discovery registers its blueprint).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash
from flask_babel import gettext as _
from wtforms import Form

from tokenmart.barter.settings import setting
from tokenmart.errors import DomainError
from tokenmart.extensions import db


def error_text(err: DomainError) -> str:
    """The reader's-language sentence for a domain error shown on a page."""
    texts = {
        "listing_not_available": _("Sorry, someone else got this one first."),
        "insufficient_balance": _("You do not have enough little red flowers."),
        "own_listing": _("That is your own listing."),
        "not_your_order": _("You cannot do this with this order."),
        "not_your_listing": _("This is not your listing."),
        "invalid_state": _("That is not possible any more; the page was out of date."),
        "already_reported": _("You already reported this listing."),
        "already_rated": _("You already rated this swap."),
        "too_many_photos": _("A listing can have at most %(n)s photos.",
                             n=setting("BARTER_MAX_PHOTOS")),
        "photo_too_large": _("Photos may be at most 5 MB."),
        "photo_too_many_pixels": _("That photo has too many pixels."),
        "unsupported_photo": _("Upload a JPEG, PNG or WebP photo."),
        "coupon_not_active": _("That coupon is used up or has expired."),
        "below_min_spend": _("That coupon needs a bigger order."),
    }
    if err.code in texts:
        return texts[err.code]
    fields = err.field_texts()
    if fields:
        return " ".join(field_error_text(name, msgs) for name, msgs in fields.items())
    return err.text()


def coupon_error_text(err: DomainError) -> str:
    """Why a coupon cannot take off the shipping fee (an unknown code is "not_found",
    which on the order form can only mean the coupon)."""
    if err.code == "not_found":
        return _("No coupon of yours has that code.")
    return error_text(err)


def field_error_text(name: str, messages: list[str]) -> str:
    """A service's field error in the reader's words: barter's own sentence for the
    field, else its messages (already translated, from `err.field_texts()`). A field
    whose service says precisely what is wrong (`tracking_no`) keeps the service's words."""
    texts = {
        "address": _("Post needs an address to send the item to."),
        "handover": _("This listing is not handed over that way."),
        "coupon_code": _("Coupons only take off the shipping fee of an item sent by post."),
        "reason": _("Say what went wrong."),
        "photo": _("The photo is empty."),
    }
    return texts.get(name) or " ".join(messages)


def errors_into_form(err: DomainError, form: Form, fallback: str) -> str | None:
    """Put a service's field errors onto the form's fields; returns the message for the
    whole form (None when every error found its field)."""
    fields = err.field_texts()
    placed = False
    for name, messages in fields.items():
        target = fallback if name not in form else name
        form[target].errors = [*form[target].errors, field_error_text(name, messages)]
        placed = True
    return None if placed else error_text(err)


def attempt(action: Callable[[], Any], success: str | None) -> bool:
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
