"""Labels of the coupons domain's codes: coupon status, kind and source, drive status,
and where a coupon can be used.

Pages show these codes with `{{ code|label('coupon_status') }}`; the admin's "Kind"
choices are built from COUPON_KIND too, so a code has its words in one place. The
English words are specific on purpose ("Ready to use", not "Active"): the catalogs
merge, and a bare "Active" already means 上架 in the mall.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tokenmart.core.labels import define

#: Coupon.status, plus "expired" as Coupon.current_status shows it before the nightly job
COUPON_STATUS = define("coupon_status", {
    "active": _l("Ready to use"),
    "redeemed": _l("Used"),
    "expired": _l("Expired"),
    "voided": _l("Voided"),
})

COUPON_KIND = define("coupon_kind", {
    "amount_off": _l("Money off"),
    "percent_off": _l("Percent off"),
    "free_shipping": _l("Free shipping"),
})

#: Coupon.source: how the coupon reached its owner
COUPON_SOURCE = define("coupon_source", {
    "claim": _l("Claimed by you"),
    "grant": _l("A gift from tokenmart"),
    "drive": _l("Unlocked by your friends"),
    "assist": _l("Thanks for helping a friend"),
    "redemption": _l("From the points mall"),
    "segment": _l("A gift for members like you"),
    "membership": _l("A benefit of your membership card"),
})

DRIVE_STATUS = define("drive_status", {
    "open": _l("Waiting for friends"),
    "completed": _l("Unlocked"),
    "expired": _l("Time ran out"),
})

#: where a coupon works (coupon_service.where_usable gives the codes)
COUPON_USE = define("coupon_use", {
    "swap_shipping": _l("Use on: the shipping fee of a swap sent by post"),
    "merchant": _l("Show the code to a merchant when you pay"),
    "merchant_shipping": _l("Show the code to a merchant: they waive the shipping fee"),
})
