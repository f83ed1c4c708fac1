"""The words for every back-office code an admin can see, in one place.

Fraud signals (with a plain sentence on what each one means), RFM segments (with how a
user gets there), roles, the economy's figures, and the audit log's actions and target
types. The audit package has no catalog of its own, so its words live here too.
Templates show them with `{{ code|label('segment') }}`; the segment grant, the fraud
page and the audit log all read these mappings, so a code is worded the same everywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.core.i18n import currency_amount
from tokenmart.core.labels import define, label

#: the names of fraud.all_signals() (one per detector)
FRAUD_SIGNAL = define("fraud_signal", {
    "accounts_per_ip": _l("Many accounts from one IP address"),
    "rings": _l("Rings of users who only help each other"),
    "earning_outliers": _l("Unusually high earnings"),
    "young_account_assists": _l("Help from brand-new accounts"),
})
#: what each signal looks for, said plainly under its title
FRAUD_SIGNAL_HELP = define("fraud_signal_help", {
    "accounts_per_ip": _l("Three or more accounts registered from the same IP address on the "
                          "same day in the last 30 days: often one person farming sign-up rewards."),
    "rings": _l("Small groups whose members help or visit each other's links almost only "
                "among themselves: a sign of coordinated reward farming."),
    "earning_outliers": _l("Users who earned far more coins in the last 7 days than everyone "
                           "else (more than three standard deviations above the average)."),
    "young_account_assists": _l("Help given to coupon drives by accounts less than 24 hours "
                                "old: often accounts made only to help someone."),
})

SEGMENT = define("segment", {
    "champions": _l("Champions"),
    "loyal": _l("Loyal users"),
    "new": _l("New users"),
    "at_risk": _l("At risk of leaving"),
    "hibernating": _l("Hibernating"),
    "others": _l("Everyone else"),
})
#: how a user lands in each segment (first match wins, see tokenmart.admin.rfm)
SEGMENT_HELP = define("segment_help", {
    "champions": _l("Recent, frequent and high-value: all three scores 4 or 5."),
    "loyal": _l("Active on many days (score 4 or 5) and still recently active."),
    "new": _l("Joined in the last 30 days and active on fewer than 7 days so far."),
    "at_risk": _l("Used to come often, but not recently."),
    "hibernating": _l("Neither recent nor frequent, or no activity in the last 90 days."),
    "others": _l("Somewhere in between."),
})

#: tokenmart.accounts.models.ROLES
ROLE = define("role", {
    "admin": _l("Administrator"),
    "merchant": _l("Merchant"),
})

#: the economy dashboard's figures per currency (tokenmart.admin.economy.CurrencyFigures)
ECONOMY_FIGURE = define("economy_figure", {
    "issued": _l("Issued"),
    "burned": _l("Used up"),
    "outstanding": _l("In wallets"),
    "escrow": _l("Held"),
})

#: AuditEntry.target_type as written by the services' audit.record() calls
AUDIT_TARGET = define("audit_target", {
    "user": _l("User"),
    "listing": _l("Listing"),
    "order": _l("Swap order"),
    "reward": _l("Mall reward"),
    "redemption": _l("Mall redemption"),
    "cashout": _l("Cash-out"),
    "period": _l("Clearing period"),
    "coupon": _l("Coupon"),
    "coupon_template": _l("Coupon template"),
    "coupon_pack": _l("Coupon pack"),
    "campaign": _l("Coupon campaign"),
    "segment_snapshot": _l("Segment scoring"),
    "segment_grant": _l("Segment coupon grant"),
})

#: AuditEntry.action as written by the services' audit.record() calls
AUDIT_ACTION = define("audit_action", {
    "user.ban": _l("Banned a user"),
    "user.unban": _l("Lifted a ban"),
    "user.password_change": _l("Changed their password"),
    "user.two_factor_on": _l("Turned on two-factor sign-in"),
    "user.two_factor_off": _l("Turned off two-factor sign-in"),
    "ledger.grant": _l("Granted or took back tokens"),
    "listing.approve": _l("Approved a listing"),
    "listing.reject": _l("Rejected a listing"),
    "listing.remove": _l("Removed a listing"),
    "listing.reports_dismissed": _l("Dismissed reports on a listing"),
    "order.refund": _l("Settled a dispute: refund to the buyer"),
    "order.release": _l("Settled a dispute: flowers to the seller"),
    "mall.reward.create": _l("Created a mall reward"),
    "mall.reward.update": _l("Changed a mall reward"),
    "mall.reward.image": _l("Changed a mall reward's picture"),
    "mall.voucher_codes.add": _l("Added voucher codes to a reward"),
    "mall.redemption.ship": _l("Shipped a mall redemption"),
    "cashout.approve": _l("Paid a cash-out"),
    "cashout.reject": _l("Rejected a cash-out"),
    "period.close": _l("Closed a clearing period early"),
    "period.margin_entry": _l("Booked revenue or cost for a period"),
    "coupon_template.create": _l("Created a coupon template"),
    "coupon_template.update": _l("Changed a coupon template"),
    "coupon_pack.create": _l("Created a coupon pack"),
    "coupon_pack.update": _l("Changed a coupon pack"),
    "coupon.grant": _l("Gave coupons to a user"),
    "coupon.void": _l("Voided a coupon"),
    "campaign.create": _l("Created a coupon campaign"),
    "campaign.update": _l("Changed a coupon campaign"),
    "segments.snapshot": _l("Scored the RFM segments"),
    "segments.grant": _l("Gave a coupon to a segment"),
})


def audit_action(action: str) -> str:
    """Words for an audit action; a change recorded by the admin guard's catch-all (its
    action is "post:endpoint") reads as a generic change, the code stays shown beside it."""
    if action in AUDIT_ACTION:
        return label(action, "audit_action")
    return _("Other back-office change")


def audit_target(target_type: str) -> str:
    """Words for an audit target type; the catch-all's blueprint names read as a page."""
    if target_type in AUDIT_TARGET:
        return label(target_type, "audit_target")
    return _("Back-office page")


def finding_text(finding: Any) -> str:
    """One fraud finding as a sentence in the reader's language, built from its details
    (`Finding.summary` stays the API's fixed English text)."""
    d = finding.details
    if finding.kind == "accounts_per_ip":
        return _("%(n)s accounts registered from %(ip)s on %(day)s",
                 n=format_decimal(d.get("count", 0)), ip=d.get("ip", ""),
                 day=format_date(date.fromisoformat(d["day"])) if d.get("day") else "")
    if finding.kind == "ring":
        return _("%(n)s users who mostly help each other", n=format_decimal(d.get("size", 0)))
    if finding.kind == "earning_outlier":
        return _("Earned %(earned)s in %(days)s days (the average is %(mean)s)",
                 earned=currency_amount(int(d.get("earned", 0)), "coin"),
                 days=format_decimal(d.get("days", 7)),
                 mean=currency_amount(int(d.get("mean", 0)), "coin"))
    if finding.kind == "young_account_assist":
        return _("Helped %(n)s time(s) within %(hours)s hours of registering, for %(owners)s "
                 "drive owner(s)", n=format_decimal(d.get("assists", 0)),
                 hours=format_decimal(d.get("hours", 24)),
                 owners=format_decimal(d.get("owners", 0)))
    return _("Something unusual was found")
