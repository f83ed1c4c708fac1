"""Web forms for cash-out and the admin's period and payout pages (CSRF by Flask-WTF)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tokenmart.core.forms import BaseForm


def to_cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


class CashoutForm(BaseForm):
    amount = DecimalField(_l("Amount (CNY)"), places=2,
                          validators=[DataRequired(), NumberRange(min=Decimal("0.01"),
                                                                  max=Decimal("1000000"))])


class MarginEntryForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice("revenue", _l("Revenue")),
                                              SelectChoice("cost", _l("Cost"))])
    amount = DecimalField(_l("Amount (CNY)"), places=2,
                          validators=[DataRequired(), NumberRange(min=Decimal("0.01"),
                                                                  max=Decimal("100000000"))])
    memo = StringField(_l("Memo"), validators=[Optional(), Length(max=300)])


class ApproveForm(BaseForm):
    external_ref = StringField(_l("Payment reference"), validators=[DataRequired(), Length(max=120)])


class RejectForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class ActionForm(BaseForm):
    """A button that only needs the CSRF token (close now, clear, retry)."""
