"""Where a cash-out is paid: the one rule for a valid payout destination.

The web form, the API schema and `request_cashout` all call `check_destination`, so a
destination the page accepts is exactly one the API accepts and the service stores.
Accounts are normalised (spaces and dashes out of phone and card numbers) before they
are checked, so the admin pays to what the person meant, not to how they typed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tokenmart.clearing.models import PAYOUT_METHODS
from tokenmart.core.forms import CONTROL_CHARS
from tokenmart.errors import N_, ValidationError, filled

NAME_MAX = 60  #: cashouts.payout_account_name
ACCOUNT_MAX = 64  #: cashouts.payout_account
MOBILE = re.compile(r"1[3-9]\d{9}")  # a mainland China mobile number
EMAIL = re.compile(r"[^@\s]{1,40}@[^@\s]+\.[^@\s]{2,}")
WECHAT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
BANK_CARD = re.compile(r"\d{12,19}")
SEPARATORS = re.compile(r"[\s-]")

#: what each method's account must look like, said the way the form's hint says it
ACCOUNT_RULES = {
    "alipay": N_("Enter the Alipay account: a mobile number or an e-mail address."),
    "wechat": N_("Enter the WeChat ID (6 to 20 letters, digits, - or _, starting with a letter)"
                 " or the mobile number linked to WeChat Pay."),
    "bank": N_("Enter the bank card number: 12 to 19 digits."),
}


@dataclass(frozen=True)
class Destination:
    method: str
    account_name: str
    account: str


def _normalise_account(method: str, account: str) -> str | None:
    """The account in its stored form, or None when it does not fit the method."""
    text = account.strip()
    digits = SEPARATORS.sub("", text)
    if method == "bank":
        return digits if BANK_CARD.fullmatch(digits) else None
    if MOBILE.fullmatch(digits):
        return digits
    if method == "alipay" and len(text) <= ACCOUNT_MAX and EMAIL.fullmatch(text):
        return text.lower()
    if method == "wechat" and WECHAT_ID.fullmatch(text):
        return text
    return None


def destination_errors(method: str | None, account_name: str | None,
                       account: str | None) -> dict[str, str]:
    """Field name -> what is wrong, in English marked for translation (the API sends it
    as it is, a page shows `errors.text_of(message)`); empty when all is well."""
    errors: dict[str, str] = {}
    if method not in PAYOUT_METHODS:
        errors["payout_method"] = N_("Choose Alipay, WeChat Pay or a bank card.")
    name = (account_name or "").strip()
    if not name or len(name) > NAME_MAX or CONTROL_CHARS.search(name):
        errors["payout_account_name"] = filled(N_(
            "Enter the account holder's name as the bank or app knows it (at most %(n)s characters)."),
            n=NAME_MAX)
    raw = account or ""
    if method in PAYOUT_METHODS and (CONTROL_CHARS.search(raw) or len(raw) > 2 * ACCOUNT_MAX
                                     or _normalise_account(method, raw) is None):
        errors["payout_account"] = ACCOUNT_RULES[method]
    return errors


def check_destination(method: str | None, account_name: str | None,
                      account: str | None) -> Destination:
    """The normalised destination; raises ValidationError (422, with per-field messages)."""
    errors = destination_errors(method, account_name, account)
    if errors:
        raise ValidationError(N_("Where should we pay you? Some fields are invalid."),
                              details={"fields": {k: [v] for k, v in errors.items()}})
    return Destination(str(method), (account_name or "").strip(),
                       _normalise_account(str(method), account or "") or "")


def masked(account: str | None) -> str:
    """An account for the owner's own history: enough to recognise, not to copy."""
    if not account:
        return ""
    if "@" in account:
        local, _, domain = account.partition("@")
        return f"{local[:1]}•••@{domain}"
    return f"•••• {account[-4:]}"
