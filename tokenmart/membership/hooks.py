"""What membership plugs into other domains at import, so they never import membership:
the earning multiplier and the mall's member price (providers those domains call), the
earning-event listener that issues conditional cards, ledger kinds, the hold check in
`ledger verify`, notification wording and cards as share-link targets.

Imported once by the package's models module, which discovery imports at app start.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.accounts.service import register_caller_fact
from tokenmart.clearing.memos import register_describer
from tokenmart.core.clock import local_day_bounds, utcnow
from tokenmart.core.content_i18n import from_snapshot
from tokenmart.core.i18n import cny
from tokenmart.core.labels import label
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.ledger import kinds
from tokenmart.ledger.service import system_balance
from tokenmart.ledger.verify import Problem, register_check
from tokenmart.membership import benefits, margin
from tokenmart.membership.models import HOLD_ACCOUNT, CardProgram, Membership
from tokenmart.notifications.service import register_renderer

#: the API caller's fact (accounts.service.CALLER_FACTS): they hold a card that counts
HOLDS_CARD = "holds_active_card"
register_caller_fact(HOLDS_CARD, benefits.HOLDS_ACTIVE_CARD)
#: request.environ key: a membership row was written during this request
_WRITTEN = "tokenmart.membership_written"


@sa.event.listens_for(Membership, "after_insert")
@sa.event.listens_for(Membership, "after_update")
def _membership_written(_mapper: Any, _connection: Any, _target: Membership) -> None:
    """A card joined or renewed in this request: the caller's fact from authentication
    no longer settles anything. (Rows are only ever ended outside the ORM, by the
    lifecycle and light jobs, which cannot make "holds no card" wrong.)"""
    if has_request_context():
        request.environ[_WRITTEN] = True


def _known_without_cards(user_id: int) -> bool:
    """Whether this request's API caller is `user_id` and held no card that counts when
    their token was checked (in the same transaction), with no membership written since:
    then there is nothing to read. Most callers hold none, and the redemption hot path
    saves a statement on every one of them."""
    if not has_request_context():
        return False
    caller = g.get("api_caller")
    return (caller is not None and caller.id == user_id and HOLDS_CARD not in caller.facts
            and _WRITTEN not in request.environ)


def _cards(user_id: int, cached: bool, at: datetime | None = None) -> list[benefits.ActiveCard]:
    """The user's active cards (at `at`, now when omitted); pages cache them per request
    (a mall page prices many rewards), a redemption always reads them fresh."""
    if _known_without_cards(user_id):
        return []
    if at is not None or not (cached and has_request_context()):
        return benefits.active_cards(user_id, at)
    # on the request itself: `g` lives as long as the app context, which a test (or a CLI
    # command) may keep across several requests
    memo: dict[int, list[benefits.ActiveCard]] = request.environ.setdefault(
        "tokenmart.membership_cards", {})
    if user_id not in memo:
        memo[user_id] = benefits.active_cards(user_id)
    return memo[user_id]


def card_multiplier(user_id: int, day: date) -> tuple[int, int]:
    """earning's multiplier provider: the best card's multiplier for coins paid on local
    `day` (twice on a card's member day). For a later day (what tomorrow's check-in pays)
    that day's weekday decides, among the cards still counting when it starts, so the
    promise is what the check-in will pay, not today's member-day bonus."""
    at = max(utcnow(), local_day_bounds(day)[0])
    return benefits.best_multiplier(_cards(user_id, cached=False, at=at), benefits.weekday_of(day))


def member_price(user_id: int, reward_id: int, currency: str, price: int, record: bool) -> int:
    """The mall's price provider: the best member price; inside a redemption a light
    card's saving is recorded in the same transaction."""
    cards = _cards(user_id, cached=not record)
    if not cards:
        return price
    new_price, card = benefits.best_price(price, cards, benefits.local_weekday())
    if record and card is not None:
        from tokenmart.membership.light import record_member_price

        record_member_price(card, reward_id, currency, price - new_price)
    return new_price


def member_price_card(user_id: int, reward_id: int, currency: str,
                      price: int) -> tuple[int, str] | None:
    """The pages' twin of `member_price`: the same best price (same cards, same rule) and
    the name of the card giving it (in the reader's language), so a reward page can say the
    price is the reader's member price rather than their tier's. Reads the request's cached
    cards and records nothing; the redemption keeps calling `member_price` alone."""
    cards = _cards(user_id, cached=True)
    if not cards:
        return None
    new_price, card = benefits.best_price(price, cards, benefits.local_weekday())
    if card is None:
        return None
    program = db.session.get(CardProgram, card.card_id)
    name = program.local("name").strip() if program is not None else ""
    return new_price, name or label(card.kind, "card_kind")


def on_earning_event(user_id: int, event: str) -> None:
    """Issue any conditional card the event just qualified the user for (in its own
    savepoint: a problem here must never undo the check-in or swap itself)."""
    from tokenmart.membership.conditions import issue_conditional_cards

    try:
        with db.session.begin_nested():
            issue_conditional_cards([user_id])
    except DomainError:
        pass  # the sweep job tries again within a minute


def _register_providers() -> None:
    from tokenmart.earning import badges, tiers
    from tokenmart.mall import models as mall_models

    for registry, fn in ((tiers.MULTIPLIER_PROVIDERS, card_multiplier),
                         (mall_models.PRICE_PROVIDERS, member_price),
                         (mall_models.PRICE_SOURCE_PROVIDERS, member_price_card),
                         (badges.EVENT_LISTENERS, on_earning_event)):
        if fn not in registry:
            registry.append(fn)


_register_providers()


def card_name(details: dict[str, Any]) -> str:
    """The card's name kept in a ledger entry's details or a notification's params, in the
    reader's language when a snapshot of it was kept (`card_tr`; older rows have only the
    entered name)."""
    return from_snapshot(details.get("card"), details.get("card_tr"))


kinds.register_kind("card_purchase", _l("Membership card bought"),
                    lambda d: _("Membership card bought: %(card)s", card=card_name(d)))
kinds.register_kind("light_hold", _l("Light card fee held"),
                    lambda d: _("Light card fee held: %(card)s", card=card_name(d)))
kinds.register_kind("light_release", _l("Light card settled"),
                    lambda d: _("Light card settled: %(card)s", card=card_name(d)))


@register_check
def membership_holds_match_open_terms() -> list[Problem]:
    """The hold account holds exactly the fees of light terms not yet settled."""
    from tokenmart.membership.light import open_holds_cents

    held = system_balance(HOLD_ACCOUNT, "credit")
    owed = open_holds_cents()
    if held == owed:
        return []
    return [Problem("membership_hold_mismatch",
                    f"the light-card hold account holds {held} cents but open terms total {owed}",
                    {"held": held, "open_terms": owed})]


def _render(params: dict[str, Any]) -> str:
    card = card_name(params)
    event = params.get("event")
    if event == "joined":
        return _("Welcome: your card “%(card)s” is ready in your wallet.", card=card)
    if event == "ending":
        return _("Your card “%(card)s” ends in 3 days or less.", card=card)
    if event == "ended":
        return _("Your card “%(card)s” has ended.", card=card)
    if event == "settled":
        return _("Your light card “%(card)s” is settled: you paid %(charged)s and saved "
                 "%(saved)s.", card=card, charged=cny(int(params.get("charged", 0))),
                 saved=cny(int(params.get("saved", 0))))
    return _("Membership card update")


register_renderer("membership", _render)


def _card_exists(card_id: int) -> bool:
    card = db.session.get(CardProgram, card_id)
    return card is not None and card.active


def _card_url(card_id: int) -> str:
    return url_for("membership.card", card_id=card_id)


def _register_share_target() -> None:
    from tokenmart.earning.labels import SHARE_TARGET
    from tokenmart.earning.targets import register_share_target, share_target_kinds

    if "card" not in share_target_kinds():
        register_share_target("card", _card_url, _card_exists)
    # the words the Tasks page shows for a share link to a card (earning's label map)
    SHARE_TARGET["card"] = _l("Membership card")  # type: ignore[index]


_register_share_target()


register_describer(margin.PURCHASE_SOURCE, margin.describe_purchase)
register_describer(margin.LIGHT_FEE_SOURCE, margin.describe_light_fee)
