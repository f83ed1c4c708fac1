"""The words for every back-office code an admin can see, in one place.

Fraud signals (with a plain sentence on what each one means), RFM segments (with how a
user gets there), roles, the economy's figures (what holds value for someone, how a
period is named), and the audit log's actions, target types and the fields its rows
change, with how each field's value reads. The audit package has no catalog of its own,
so its words live here too. Templates show them with `{{ code|label('segment') }}`; the
segment grant, the fraud page and the audit log all read these mappings, so a code is
worded the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from babel.dates import format_interval
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
    get_timezone,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.audit import service as audit
from tokenmart.core.content_forms import LANGUAGE_NAMES
from tokenmart.core.i18n import cny, currency_amount
from tokenmart.core.labels import define, kinds, label

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
    "kept": _l("Kept by the platform"),
})

#: what holds value for someone else (tokenmart.admin.economy.HELD_FOR, OTHER_HOLDER)
HELD_BY = define("held_by", {
    "swaps": _l("Prices held in open swaps"),
    "cashouts": _l("Cash-outs waiting for review"),
    "light_cards": _l("Light-card fees held"),
    "causes": _l("Donations held by causes"),
    "other": _l("Held for someone else"),
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


#: The fields audit rows write in `before`/`after` (the services' snapshots), worded as the
#: admin's forms word them. A domain may add its own with AUDIT_FIELD.setdefault(...); a
#: field without words reads humanised ("Foo bar"), never as its code.
AUDIT_FIELD = define("audit_field", {
    "name": _l("Name"),
    "title": _l("Title"),
    "description": _l("Description"),
    "tagline": _l("Tagline"),
    "kind": _l("Kind"),
    "value": _l("Discount"),
    "status": _l("Status"),
    "reason": _l("Reason"),
    "memo": _l("Memo"),
    "currency": _l("Currency"),
    "price": _l("Price"),
    "amount": _l("Amount"),
    "amount_cents": _l("Amount (CNY)"),
    "balance_after": _l("Balance afterwards"),
    "stock": _l("Stock"),
    "stock_buckets": _l("Stock buckets"),
    "per_user_limit": _l("Per-user limit"),
    "active": _l("Switched on"),
    "claimable": _l("Users may claim it"),
    "min_spend_cents": _l("Minimum spend"),
    "valid_days": _l("Valid for"),
    "validity_days": _l("Valid for"),
    "starts_at": _l("Starts at"),
    "ends_at": _l("Ends at"),
    "total_quantity": _l("Total quantity"),
    "min_tier": _l("Minimum tier"),
    "new_users_only": _l("New users only"),
    "grant_type": _l("What the user gets"),
    "image_key": _l("Picture"),
    "added": _l("Codes added"),
    "skipped": _l("Codes left out (already there)"),
    "tracking_no": _l("Tracking number"),
    "goal_coins": _l("Goal"),
    "closed": _l("Closed"),
    "reference": _l("Payment reference"),
    "external_ref": _l("Payment reference"),
    "color": _l("Card colour"),
    "fee_cents": _l("Light-card fee"),
    "metric": _l("Condition to earn it"),
    "threshold": _l("Threshold"),
    "earn_multiplier_percent": _l("Task coin multiplier"),
    "member_discount_percent": _l("Member price (percent off)"),
    "coupon_pack_id": _l("Coupon pack"),
    "pack_id": _l("Coupon pack"),
    "coupon_template_id": _l("Coupon template"),
    "template_id": _l("Coupon template"),
    "member_day": _l("Member day"),
    "is_banned": _l("Banned"),
    "banned_reason": _l("Ban reason"),
    "window_days": _l("Days looked at"),
    "snapshot_id": _l("Segment scoring"),
    "segment": _l("Segment"),
    "issued": _l("Coupons given"),
    "holdout_percent": _l("Control group (percent)"),
    "held_out": _l("Users held out"),
    "codes": _l("Coupon codes"),
    "items": _l("Coupons in the pack"),
    "transaction_id": _l("Ledger transaction"),
    "user_id": _l("User"),
    "required_assists": _l("Assists required"),
    "path": _l("Page address"),
})
#: (target type, field) -> the label kind of the codes the field holds; None: any target
AUDIT_VALUE_KIND: dict[tuple[str | None, str], str] = {
    (None, "currency"): "currency",
    (None, "grant_type"): "grant_type",
    (None, "min_tier"): "tier",
    (None, "segment"): "segment",
    (None, "metric"): "card_condition",
    (None, "member_day"): "weekday",
    ("coupon_template", "kind"): "coupon_kind",
    ("card", "kind"): "card_kind",
    ("period", "kind"): "margin_kind",
    ("listing", "status"): "listing_status",
    ("order", "status"): "order_status",
    ("coupon", "status"): "coupon_status",
}
#: fields an audit row repeats from its target (shown once, in the entry's heading)
_SKIPPED_FIELDS = {"id"}
#: a longer text is cut short on the page (the whole text is the element's title)
_SHORT_TEXT = 160


@dataclass(frozen=True)
class Shown:
    """One value as the audit log shows it. `entered` marks text as somebody typed it
    (a name, a reason): the page shows it as written, in any language, and marks it
    translate="no"; everything else is our own words, numbers and dates. `keep` marks an
    amount or a time, which must not break over two lines on a phone ("¥5" / ".00")."""

    text: str
    entered: bool = False
    whole: str = ""
    keep: bool = False


@dataclass(frozen=True)
class ChangeLine:
    """"Field: before → after"; `before` is None when the row kept no earlier value."""

    field: str
    before: Shown | None
    after: Shown


def humanised(code: str) -> str:
    """A field name nobody gave words yet, readable rather than snake_case."""
    words = code.replace("_", " ").replace(".", " ").strip()
    return words[:1].upper() + words[1:] if words else code


def _field_words(path: tuple[str, ...]) -> str:
    key, parent = path[-1], path[-2] if len(path) > 1 else ""
    if len(path) >= 3 and path[0] == "translations":
        return _("%(field)s in %(language)s", field=_field_words(path[2:]),
                 language=LANGUAGE_NAMES.get(path[1], path[1]))
    if parent == "tier_prices":
        return _("Price for %(tier)s", tier=_code_words(key, "tier"))
    if key in AUDIT_FIELD:
        return label(key, "audit_field")
    return humanised(key)


def _code_words(code: Any, kind: str, registry: Mapping[str, Mapping[str, Any]] | None = None
                ) -> str:
    words = (registry if registry is not None else kinds()).get(kind, {})
    return str(words[str(code)]) if str(code) in words else humanised(str(code))


def _entered(text: str) -> Shown:
    if len(text) > _SHORT_TEXT:
        return Shown(text[:_SHORT_TEXT - 1].rstrip() + "…", True, text)
    return Shown(text, True)


def _number(key: str, value: int | float, context: Mapping[str, Any], parent: str) -> str:
    """An integer field in the unit the service meant: cents, a currency's amount, a
    percentage, days or an id; else a plain number."""
    currency = context.get("currency")
    if key.endswith("_cents"):
        return cny(int(value))
    if key == "value" and context.get("kind") in ("amount_off", "percent_off", "free_shipping"):
        return cny(int(value)) if context["kind"] == "amount_off" else format_percent(value / 100)
    if key.endswith("_percent"):
        return format_percent(value / 100)
    if (key in ("amount", "price", "balance_after") or parent == "tier_prices") and \
            currency in ("flower", "coin", "credit"):
        return currency_amount(int(value), str(currency))
    if key == "goal_coins":
        return currency_amount(int(value), "coin")
    if key.endswith("_days"):
        return _("%(n)s days", n=format_decimal(value))
    if key.endswith("_id") or key == "id":
        return f"#{value}"
    return format_decimal(value)


def _moment(text: str) -> str | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC), "short")


def shown_value(path: tuple[str, ...], value: Any, target_type: str,
                context: Mapping[str, Any],
                registry: Mapping[str, Mapping[str, Any]] | None = None) -> Shown:
    """One audited value as a person reads it: codes by their label, amounts with their
    unit, times in the reader's zone, yes/no, and text exactly as it was typed (the
    JSON on the page once showed "\\u8f7b\\u4eab\\u5361" for 轻享卡)."""
    key, parent = path[-1], path[-2] if len(path) > 1 else ""
    if value is None or value == "" or value == [] or value == {}:
        return Shown("—")
    if isinstance(value, bool):
        return Shown(_("Yes") if value else _("No"))
    kind = AUDIT_VALUE_KIND.get((target_type, key)) or AUDIT_VALUE_KIND.get((None, key))
    if parent == "tier_prices" and isinstance(value, int):
        return Shown(_number(key, value, context, parent), keep=True)
    if kind is not None:
        return Shown(_code_words(value, kind, registry))
    if isinstance(value, int | float):
        return Shown(_number(key, value, context, parent), keep=True)
    if isinstance(value, str):
        if key.endswith("_at") and (moment := _moment(value)):
            return Shown(moment, keep=True)
        if key == "image_key":
            return _entered(value.rsplit("/", 1)[-1])
        return _entered(value)
    if isinstance(value, Mapping):  # keyed by ids, e.g. a pack's {"3": 1}: "#3 × 1"
        return Shown(", ".join(f"#{k} × {format_decimal(v) if isinstance(v, int) else v}"
                               for k, v in value.items()))
    if isinstance(value, list | tuple):
        return _entered(", ".join(str(v) for v in value))
    return _entered(str(value))


def audit_changes(entry: Any) -> list[ChangeLine]:
    """What one audit row changed, as short "field: before → after" lines in the reader's
    language (only the fields that changed, for an update; what was set, for a creation).
    Units and codes are read from the row's own fields (a price's currency, a discount's
    kind), from `after` first."""
    registry = kinds()
    context = {**(entry.before if isinstance(entry.before, Mapping) else {}),
               **(entry.after if isinstance(entry.after, Mapping) else {})}
    lines = []
    for change in audit.changes(entry.before, entry.after):
        if change.path[-1] in _SKIPPED_FIELDS and len(change.path) == 1:
            continue
        after = shown_value(change.path, change.after, entry.target_type, context, registry)
        before = (shown_value(change.path, change.before, entry.target_type, context, registry)
                  if change.had_before else None)
        lines.append(ChangeLine(_field_words(change.path), before, after))
    return lines


def period_dates(starts_at: datetime, ends_at: datetime) -> str:
    """A period's span in the reader's language and the app's time zone: "Dec 5, 2026" for
    one whole day, "Nov 30 – Dec 6, 2026" for whole days, and with the times when an early
    close cut a day in two ("Dec 5, 2026, 00:00–14:32" and "Dec 5, 2026, 14:32–24:00")."""
    zone = get_timezone()
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    midnight = time(0)
    if start.time() == midnight and end.time() == midnight:
        last = (end - timedelta(days=1)).date()
        if last <= start.date():
            return format_date(start.date(), "medium")
        return format_interval(start.date(), last, "yMMMd", locale=get_locale())
    to_midnight = end.time() == midnight and end.date() == start.date() + timedelta(days=1)
    if start.date() == end.date() or to_midnight:
        return _("%(day)s, %(start)s–%(end)s", day=format_date(start.date(), "medium"),
                 start=format_time(start, "HH:mm"),
                 end="24:00" if to_midnight else format_time(end, "HH:mm"))
    return _("%(start)s – %(end)s", start=format_datetime(start, "short"),
             end=format_datetime(end, "short"))


def period_name(window: Any) -> str:
    """How the economy pages name a window: "#12 · Dec 5, 2026, 00:00–14:32" for a
    clearing period (its number, as the periods pages say it, and its span), the day for
    a plain day."""
    dates = period_dates(window.starts_at, window.ends_at)
    if window.number is None:
        return dates
    return _("#%(number)s · %(dates)s", number=window.number, dates=dates)


def period_tick(window: Any) -> str:
    """A chart's short label under a window's bar: the period's number over its day
    ("#12" / "12-05"), so two periods of one day stay apart; the day alone for a day."""
    day = format_date(window.starts_at, "MM-dd")
    return day if window.number is None else f"#{window.number}\n{day}"


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
