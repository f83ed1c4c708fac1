"""Labels of the membership domain's codes: card kind, membership status, condition metric,
weekdays (the member day) and the kinds of savings a light card records."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tokenmart.admin.labels import AUDIT_ACTION, AUDIT_TARGET
from tokenmart.core.labels import define

CARD_KIND = define("card_kind", {
    "free": _l("Free card"),
    "conditional": _l("Earned card"),
    "paid": _l("Paid card"),
    "light": _l("Light card (pay after)"),
})

MEMBERSHIP_STATUS = define("membership_status", {
    "active": _l("Card in use"),
    "ended": _l("Card ended"),
})

CONDITION_METRIC = define("card_condition", {
    "flowers_earned_total": _l("Little red flowers earned in total"),
    "coins_earned_total": _l("Coins earned in total"),
    "checkin_days_total": _l("Days checked in"),
    "swaps_completed": _l("Swaps completed"),
})

WEEKDAY = define("weekday", {
    "1": _l("Monday"),
    "2": _l("Tuesday"),
    "3": _l("Wednesday"),
    "4": _l("Thursday"),
    "5": _l("Friday"),
    "6": _l("Saturday"),
    "7": _l("Sunday"),
})

SAVING_KIND = define("card_saving", {
    "member_price": _l("Member price in the mall"),
    "coupon": _l("Card coupon used"),
})

#: the words coupons show for coupon source "membership" (tokenmart.coupons.labels); kept
#: here too so this domain's catalog carries its translation
COUPON_FROM_CARD = _l("A benefit of your membership card")

#: the main menu's link to the card wallet (templates/base.html)
NAV_CARDS = _l("Cards")

# The back office's audit log names every action; membership adds its own to its mappings.
AUDIT_TARGET.setdefault("card", _l("Card program"))  # type: ignore[attr-defined]
for _action, _words in {
    "card.create": _l("Created a card program"),
    "card.update": _l("Changed a card program"),
}.items():
    AUDIT_ACTION.setdefault(_action, _words)  # type: ignore[attr-defined]
