"""Web forms of causes: giving and pledging, and the admin's cause and payout forms."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tokenmart.causes.causes_service import MAX_AMOUNT
from tokenmart.causes.labels import DONATION_CURRENCY
from tokenmart.causes.models import Cause
from tokenmart.clearing.forms import AmountRange, MoneyField, whole_cents
from tokenmart.core.content_forms import with_translations
from tokenmart.core.forms import BaseForm


class DonateForm(BaseForm):
    #: a fresh key per rendered form: a double click gives once
    key = HiddenField(validators=[DataRequired(), Length(max=100)])
    currency = SelectField(_l("Give"), choices=[
        SelectChoice(code, words) for code, words in DONATION_CURRENCY.items()])
    amount = IntegerField(_l("Amount"), validators=[InputRequired(),
                                                    NumberRange(min=1, max=MAX_AMOUNT)])
    show_name = BooleanField(_l("Show my name among the donors"))


class PledgeForm(BaseForm):
    percent = IntegerField(_l("Percent of my future period credits (0 removes the pledge)"),
                           validators=[InputRequired(), NumberRange(min=0, max=100)])


@with_translations(Cause.TRANSLATED)
class CauseForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    goal_coins = IntegerField(_l("Goal in coins (empty = no goal)"),
                              validators=[Optional(), NumberRange(min=1, max=MAX_AMOUNT)])
    starts_at = DateTimeLocalField(_l("Starts at"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends at"), validators=[Optional()])
    image = FileField(_l("Image (JPEG, PNG or WebP, up to 5 MB)"))
    remove_image = BooleanField(_l("Remove the uploaded image"))


class PayoutForm(BaseForm):
    key = HiddenField(validators=[DataRequired(), Length(max=100)])
    amount = MoneyField(_l("Amount (CNY)"), places=2,
                        validators=[InputRequired(), AmountRange(min=Decimal("0.01"), max=Decimal("10000000")),
                                    whole_cents])
    reference = StringField(_l("Payment reference"), validators=[DataRequired(), Length(max=120)])


class ActionForm(BaseForm):
    """A button that only needs the CSRF token (close the cause)."""
