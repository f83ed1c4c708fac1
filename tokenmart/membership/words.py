"""A card's benefits and rules in plain words, said once for every page that shows them
(the card page before joining, the wallet, the poster, the back office)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _

from tokenmart.core.content_i18n import local
from tokenmart.core.i18n import cny, currency_amount
from tokenmart.core.labels import label
from tokenmart.extensions import db
from tokenmart.membership.models import CardProgram


def _multiplier(percent: int) -> str:
    return f"×{(Decimal(percent) / 100).normalize():f}"


def _pack_name(card: CardProgram) -> str | None:
    from tokenmart.coupons.models import CouponPack, CouponTemplate

    if card.coupon_pack_id:
        pack = db.session.get(CouponPack, card.coupon_pack_id)
        return local(pack, "name") if pack else None
    if card.coupon_template_id:
        template = db.session.get(CouponTemplate, card.coupon_template_id)
        return local(template, "name") if template else None
    return None


def benefit_lines(card: CardProgram) -> list[str]:
    """What the card gives, one sentence each."""
    lines = []
    if card.earn_multiplier_percent:
        lines.append(_("Task coins %(times)s, after your tier's multiplier (rounded down).",
                       times=_multiplier(card.earn_multiplier_percent)))
    if card.member_discount_percent:
        lines.append(_("Member price in the mall: %(pct)s%% off your price (rounded down, "
                       "never below 1).", pct=card.member_discount_percent))
    pack = _pack_name(card)
    if pack:
        lines.append(_("Coupons “%(pack)s” when you join and again every 30 days while the "
                       "card lasts.", pack=pack))
    if card.member_day:
        day = label(str(card.member_day), "weekday")
        parts = []
        if card.earn_multiplier_percent:
            parts.append(_("the coin multiplier applies twice (%(times)s)",
                           times=_multiplier(card.earn_multiplier_percent ** 2 // 100)))
        if card.member_discount_percent:
            parts.append(_("member prices drop twice"))
        lines.append(_("Member day: every %(day)s (local time) %(what)s.", day=day,
                       what=_(" and ").join(parts) if parts else _("you are welcomed twice")))
    if not lines:
        lines.append(_("A card to collect: it shows you belong."))
    return lines


def rule_lines(card: CardProgram) -> list[str]:
    """How to get the card and how long it lasts."""
    lines = []
    if card.kind == "free":
        lines.append(_("Free: join once, the card is yours at once."))
    elif card.kind == "conditional":
        lines.append(_("Earned: given automatically, within a minute, once your “%(metric)s” "
                       "reaches %(n)s. Never given twice.",
                       metric=label(card.condition_metric, "card_condition"),
                       n=card.condition_threshold))
    elif card.kind == "paid":
        lines.append(_("Costs %(price)s. Buying again before it ends extends it from its end.",
                       price=currency_amount(int(card.price or 0), card.currency or "coin")))
    else:
        fee = cny(int(card.fee_cents or 0))
        lines.append(_("Nothing to pay now: %(fee)s of your credits is held when you join.",
                       fee=fee))
        lines.append(_("At the end of the term you pay what the card saved you, at most "
                       "%(fee)s; the rest of the hold comes back to you.", fee=fee))
        lines.append(_("Savings count the card's coupons you use and member prices in coins "
                       "(valued at the latest period rate); flowers count nothing."))
    if card.validity_days:
        lines.append(_("Valid for %(n)s days from joining; we remind you 3 days before it ends.",
                       n=card.validity_days))
    else:
        lines.append(_("Valid for good."))
    return lines


def card_names(cards: Iterable[CardProgram]) -> str:
    """Cards' names as one list in the reader's language ("Gold card and Red card",
    "金卡和小红花会员卡"): CLDR's list patterns, as a ", " join put half-width commas
    inside Chinese sentences."""
    return format_list([local(card, "name") for card in cards], locale=get_locale())
