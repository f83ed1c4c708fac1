"""Labels of the causes' codes: a cause's state, the kinds of a giving history's rows, and
the back office's audit words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tokenmart.admin.labels import AUDIT_ACTION, AUDIT_TARGET
from tokenmart.core.labels import define

CAUSE_STATUS = define("cause_status", {
    "upcoming": _l("Opens soon"),
    "active": _l("Taking gifts"),
    "ended": _l("Ended"),
    "closed": _l("Closed"),
})
DONATION_CURRENCY = define("donation_currency", {
    "coin": _l("Coins"),
    "flower": _l("Flowers"),
})
GIVING_KIND = define("giving_kind", {
    "donation": _l("Gift"),
    "pledge": _l("Pledged credits"),
})

# The back office's audit log names every action; causes add theirs to its mappings.
AUDIT_TARGET.setdefault("cause", _l("Cause"))
for _action, _words in {
    "cause.create": _l("Created a cause"),
    "cause.update": _l("Changed a cause"),
    "cause.close": _l("Closed a cause"),
    "cause.image": _l("Changed a cause's picture"),
    "cause.payout": _l("Paid a cause's credits to its organisation"),
}.items():
    AUDIT_ACTION.setdefault(_action, _words)  # type: ignore[attr-defined]
