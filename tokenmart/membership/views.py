"""Pages: the card wallet, a card (benefits and rules before joining, the light card's
running bill), join/buy with a confirmation, a printable poster with a QR code, and the
card pictures. Views are thin: the rules live in the services."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tokenmart.core.clock import app_timezone
from tokenmart.coupons.qr import qr_svg
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.membership import benefits, images, light, programs, service, words
from tokenmart.membership.admin_views import admin_bp  # noqa: F401 - registered by discovery
from tokenmart.membership.forms import JoinForm
from tokenmart.membership.models import CardProgram, Membership

bp = Blueprint("membership", __name__)
bp.add_app_template_global(images.card_image_url, "card_image_url")


def _error_text(err: DomainError) -> str:
    return {
        "already_member": _("You already hold this card."),
        "not_eligible": _("You do not meet this card's condition yet."),
        "insufficient_balance": _("Your balance is too low for this card."),
    }.get(err.code, _("That did not work. Please try again."))


def _today_member_days(memberships: list[Membership]) -> list[CardProgram]:
    """Cards whose member day is today (local), among those giving benefits."""
    weekday = benefits.local_weekday()
    return [m.card for m in memberships
            if service.gives_benefits(m) and m.card.member_day == weekday]


@bp.context_processor
def _words() -> dict[str, Any]:
    return {"benefit_lines": words.benefit_lines, "rule_lines": words.rule_lines,
            "card_names": words.card_names}


@bp.get("/cards")
@login_required
def wallet() -> Any:
    """My cards drawn as cards, then the cards I could join."""
    mine = list(service.memberships_of(current_user.id).items)
    held = {m.card_id for m in mine}
    bills = {m.id: light.bill(m) for m in mine if m.card.kind == "light"}
    return render_template(
        "membership/wallet.html", mine=mine, bills=bills,
        live={m.id: service.gives_benefits(m) for m in mine},
        others=[c for c in programs.open_cards() if c.id not in held],
        member_days=_today_member_days(mine),
    )


@bp.get("/cards/<int:card_id>")
def card(card_id: int) -> Any:
    """One card: its look, benefits and rules in plain words, and my membership if any."""
    program = programs.get_card(card_id)
    membership = bill = None
    progress = None
    if current_user.is_authenticated:
        membership = service.membership_for(current_user.id, program.id)
        if membership is not None and program.kind == "light":
            bill = light.bill(membership)
        if program.kind == "conditional" and membership is None:
            from tokenmart.membership.conditions import metric_value

            progress = metric_value(current_user.id, program.condition_metric or "")
    live = membership is not None and service.gives_benefits(membership)
    return render_template(
        "membership/card.html", card=program, membership=membership, bill=bill, live=live,
        progress=progress, member_day_today=live and program.member_day == benefits.local_weekday(),
        page_url=url_for("membership.card", card_id=program.id, _external=True),
    )


@bp.route("/cards/<int:card_id>/join", methods=["GET", "POST"])
@login_required
def join(card_id: int) -> Any:
    """Confirm, then join (or buy, or renew) the card."""
    program = programs.get_card(card_id)
    form = JoinForm()
    if form.validate_on_submit():
        try:
            service_result = _join(program.id, form.key.data)
        except DomainError as err:
            db.session.rollback()
            flash(_error_text(err), "error")
        else:
            db.session.commit()
            flash(service_result, "success")
            return redirect(url_for("membership.card", card_id=program.id))
    elif not form.is_submitted():
        form.key.data = uuid.uuid4().hex
    membership = service.membership_for(current_user.id, program.id)
    from tokenmart.membership.joining import join_cost

    return render_template("membership/join.html", card=program, form=form,
                           membership=membership, cost=join_cost(program, current_user.id),
                           renewing=membership is not None and service.gives_benefits(membership))


def _join(card_id: int, key: str) -> str:
    from tokenmart.membership.joining import join_card

    membership = join_card(card_id, current_user.id, key=f"web:{key}")
    if membership.card.kind == "paid" and membership.ends_at is not None:
        return _("Done: your card is valid until %(date)s.",
                 date=format_date(membership.ends_at.astimezone(app_timezone())))
    return _("Welcome: your card is in your wallet.")


@bp.get("/cards/<int:card_id>/poster")
def poster(card_id: int) -> Any:
    """A printable poster: the card, its benefits and a QR code of the link to it."""
    program = programs.get_card(card_id)
    from tokenmart.earning.views import share_link_for

    url = (share_link_for("card", program.id)
           or url_for("membership.card", card_id=program.id, _external=True))
    return render_template("membership/poster.html", card=program, share_url=url, qr=qr_svg(url))


@bp.get("/cards/image/<path:key>")
def image(key: str) -> Any:
    data = images.load_card_image(key)
    if data is None:
        abort(404)
    from flask import Response

    return Response(data, mimetype="image/jpeg",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})
