"""Labels of the mall's codes: grant types, shipping states and reward states.

Form choices read these same mappings, so the admin's select and the list's column
can never name a grant differently.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tokenmart.core.labels import define

GRANT_TYPE = define("grant_type", {
    "coupon": _l("Coupon"),
    "voucher_codes": _l("Voucher code"),
    "physical": _l("Physical item"),
})
#: a physical redemption's shipping state
SHIPPING_STATUS = define("shipping_status", {
    "pending": _l("Waiting to ship"),
    "shipped": _l("Shipped"),
})
#: what a reader is told about a reward (catalog_service.reward_state)
REWARD_STATE = define("reward_state", {
    "active": _l("Open for redemption"),
    "inactive": _l("Off sale"),
    "scheduled": _l("Coming soon"),
    "ended": _l("Sale ended"),
    "sold_out": _l("Out of stock"),
})
#: what the admin's grant select says about each grant type (longer than the label)
GRANT_TYPE_HELP = {
    "physical": _l("Physical item (needs a shipping address)"),
    "voucher_codes": _l("Voucher code from an uploaded list"),
    "coupon": _l("Coupon"),
}
