"""Where causes plug into other domains: the clearing (holders and pledges), the
"donor" badge, the ledger's transaction kinds and `ledger verify`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.causes import clearing_hooks  # noqa: F401 - registers with the clearing
from tokenmart.causes.models import Cause
from tokenmart.core.content_i18n import from_snapshot
from tokenmart.earning.badges import BadgeRule, register_badge
from tokenmart.extensions import db
from tokenmart.ledger.kinds import register_kind
from tokenmart.ledger.models import Entry
from tokenmart.ledger.verify import Problem, register_check

#: the badge a first gift earns (the cause page invites to it until it is held)
DONOR_BADGE = "donor"
register_badge(BadgeRule(DONOR_BADGE, "donation", _l("Donor"), _l("Give to a cause."), "💝",
                         lambda _payload: True))


def _describe_donation(details: dict[str, Any]) -> str:
    """The cause's name as it was when given, in the reader's language when the donation
    kept one (`cause_tr`; older rows have only the entered name)."""
    return _("Gift to %(cause)s",
             cause=from_snapshot(details.get("cause"), details.get("cause_tr")))


register_kind("donation", _l("Gift to a cause"), _describe_donation)
register_kind("pledge", _l("Pledged to a cause"))
register_kind("cause_payout", _l("Paid to a cause's organisation"))


def _cause_accounts_not_negative() -> list[Problem]:
    """A cause's accounts keep no cached balance: their entries must never sum below 0."""
    accounts = sa.union_all(*(
        sa.select(Cause.id.label("cause_id"), column.label("account_id"))
        .where(column.is_not(None))
        for column in (Cause.coin_account_id, Cause.flower_account_id, Cause.credit_account_id)
    )).subquery("cause_accounts")
    rows = db.session.execute(
        sa.select(accounts.c.cause_id, Entry.currency, sa.func.sum(Entry.amount))
        .join(Entry, Entry.account_id == accounts.c.account_id)
        .group_by(accounts.c.cause_id, Entry.currency)
        .having(sa.func.sum(Entry.amount) < 0)
    ).all()
    return [Problem("negative_cause_balance",
                    f"cause {cause_id} holds a negative {currency} balance ({total})",
                    {"cause_id": cause_id, "currency": currency, "sum": int(total)})
            for cause_id, currency, total in rows]


register_check(_cause_accounts_not_negative)  # a module runs once per process
