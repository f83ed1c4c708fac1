"""Labels of the clearing's codes: period and cash-out states, margin kinds and sources,
payout methods. Pages, form choices and confirm texts all read these, so a code has one
word per language (the msgids are specific on purpose: a bare "Open" or "Paid" would
share one translation with every other catalog that uses it)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tokenmart.core.labels import define

PERIOD_STATUS = define("period_status", {
    "open": _l("Running now"),
    "ended": _l("Ended, clearing soon"),
    "cleared": _l("Period cleared"),
})
CASHOUT_STATUS = define("cashout_status", {
    "pending": _l("Awaiting payout"),
    "approved": _l("Paid out"),
    "rejected": _l("Rejected, credits returned"),
})
MARGIN_KIND = define("margin_kind", {
    "revenue": _l("Revenue"),
    "cost": _l("Cost"),
})
MARGIN_SOURCE = define("margin_source", {
    "admin": _l("Entered by an admin"),
    "shipping_fee": _l("Shipping fee paid"),
    "shipping_refund": _l("Shipping fee refunded"),
})
PAYOUT_METHOD = define("payout_method", {
    "alipay": _l("Alipay"),
    "wechat": _l("WeChat Pay"),
    "bank": _l("Bank card"),
})
CLEARING_PHASE = define("clearing_phase", {
    "collect": _l("collecting coins"),
    "allocate": _l("working out the shares"),
    "pay": _l("paying credits"),
    "finish": _l("writing the report"),
    "done": _l("finished"),
})
