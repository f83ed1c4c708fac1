"""Minimal admin pages under /admin/barter: moderation queue and disputes.

Imported by `barter.views` (so discovery registers `admin_bp`); it never imports views:
the helpers both need live in `barter.web`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tokenmart.accounts.auth import admin_page
from tokenmart.barter import listings_service, orders_service, photos, reports_service
from tokenmart.barter.forms import ActionForm, ReasonForm
from tokenmart.barter.models import Listing
from tokenmart.barter.web import attempt
from tokenmart.extensions import db

admin_bp = Blueprint("barter_admin", __name__, url_prefix="/admin/barter")


@admin_bp.get("/")
@admin_page
def queue() -> Any:
    pending = listings_service.moderation_queue("pending", None, 50).items
    reported = listings_service.moderation_queue("reported", None, 50).items
    disputes = orders_service.list_all_orders("disputed", None, 50).items
    return render_template(
        "barter/admin_queue.html", pending=pending, reported=reported, disputes=disputes,
        reports={x.id: reports_service.reports_for(x.id) for x in reported},
        thumbs=photos.photos_of([x.id for x in [*pending, *reported]]),
        titles={o.id: db.session.get(Listing, o.listing_id).title for o in disputes},
        action_form=ActionForm(), reason_form=ReasonForm(),
    )


def _back() -> Any:
    return redirect(url_for("barter_admin.queue"))


@admin_bp.post("/listings/<int:listing_id>/<any(approve, dismiss, reject, remove):action>")
@admin_page
def moderate(listing_id: int, action: str) -> Any:
    form = ReasonForm() if action == "reject" else ActionForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return _back()
    reason = getattr(form, "reason", None)
    calls = {
        "approve": lambda: reports_service.approve_listing(listing_id, current_user),
        "dismiss": lambda: reports_service.dismiss_reports(listing_id, current_user),
        "reject": lambda: reports_service.reject_listing(listing_id, current_user, reason.data),
        "remove": lambda: reports_service.remove_listing(listing_id, current_user, ""),
    }
    attempt(calls[action], {"approve": _("Approved."),
                            "dismiss": _("Reports dismissed."),
                            "reject": _("Rejected."), "remove": _("Removed.")}[action])
    return _back()


@admin_bp.post("/orders/<int:order_id>/<any(refund, release):outcome>")
@admin_page
def resolve(order_id: int, outcome: str) -> Any:
    if ActionForm().validate_on_submit():
        attempt(lambda: orders_service.transition(order_id, outcome, current_user),
                _("Dispute resolved."))
    return _back()
