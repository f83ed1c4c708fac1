"""Web forms for cash-out and the admin's period and payout pages (CSRF by Flask-WTF).

Choices come from `clearing.labels` (one word per code) and the payout destination is
checked by `destinations.destination_errors`, the same rule the API and the service use.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Field, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from tokenmart.clearing.destinations import ACCOUNT_MAX, NAME_MAX, destination_errors
from tokenmart.clearing.labels import MARGIN_KIND, PAYOUT_METHOD
from tokenmart.core.forms import BaseForm, has_range, merely_too_big
from tokenmart.errors import text_of

CENT = Decimal("0.01")


def choices(labels: Mapping[str, Any]) -> list[SelectChoice]:
    """Form choices from a domain's labels: the same words the pages show for the codes."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def to_cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


class MoneyField(DecimalField):
    """A CNY amount: a DecimalField that refuses, while parsing, what no amount can be.

    NaN/Infinity and numbers of more than 15 integer digits become a field error here,
    before any validator (or `abs()`, which raises decimal.Overflow on 1e999999999999999999)
    touches them; the text typed stays in the box.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        value = self.data
        if isinstance(value, Decimal) and (not value.is_finite() or value.adjusted() >= 15):
            if merely_too_big(value) and has_range(self):
                return  # the field's range refuses it and says what the field takes
            self.data = None
            raise ValueError(str(_l("Enter an ordinary number.")))


class AmountRange(NumberRange):
    """NumberRange that leaves an unreadable amount to the parser's own message (NumberRange
    would add "must be between" to "not a valid number")."""

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is not None:
            super().__call__(form, field)


def whole_cents(_form: Any, field: Field) -> None:
    """Refuse "1.005": money has two decimals, and rounding it silently would surprise."""
    value = field.data
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() < 15 \
            and value != value.quantize(CENT):
        raise ValidationError(str(_l("Use at most two decimals, e.g. 12.50.")))


class CashoutForm(BaseForm):
    amount = MoneyField(_l("Amount (CNY)"), places=2,
                        validators=[InputRequired(), AmountRange(min=CENT, max=Decimal("1000000")),
                                    whole_cents])
    payout_method = SelectField(_l("Pay me by"), choices=choices(PAYOUT_METHOD),
                                validate_choice=True)
    payout_account_name = StringField(_l("Account holder's name"),
                                      validators=[DataRequired(), Length(max=NAME_MAX)])
    payout_account = StringField(_l("Account (mobile, e-mail, WeChat ID or card number)"),
                                 validators=[DataRequired(), Length(max=2 * ACCOUNT_MAX)])

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        errors = destination_errors(self.payout_method.data, self.payout_account_name.data,
                                    self.payout_account.data)
        for name, message in errors.items():
            field = self[name]
            if not field.errors:
                field.errors = [*field.errors, text_of(message)]
        return ok and not errors


class MarginEntryForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=choices(MARGIN_KIND))
    amount = MoneyField(_l("Amount (CNY)"), places=2,
                        validators=[InputRequired(), AmountRange(min=CENT, max=Decimal("100000000")),
                                    whole_cents])
    memo = StringField(_l("Memo"), validators=[Optional(), Length(max=300)])


class ApproveForm(BaseForm):
    external_ref = StringField(_l("Payment reference"), validators=[DataRequired(), Length(max=120)])


class RejectForm(BaseForm):
    reason = StringField(_l("Reason for rejecting"), validators=[DataRequired(), Length(max=300)])


class ActionForm(BaseForm):
    """A button that only needs the CSRF token (close now, clear, retry)."""
