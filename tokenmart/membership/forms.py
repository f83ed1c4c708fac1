"""Web forms of the membership domain (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from tokenmart.core.content_forms import with_translations
from tokenmart.core.forms import BaseForm
from tokenmart.membership.labels import CARD_KIND, CONDITION_METRIC, WEEKDAY
from tokenmart.membership.models import (
    CARD_KINDS,
    CONDITION_METRICS,
    PAID_CURRENCIES,
    CardProgram,
)


class JoinForm(BaseForm):
    """The confirmation's button; `key` makes a double-submitted purchase count once."""

    key = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])


def _currency_choices() -> list[SelectChoice]:
    from flask_babel import LazyString

    from tokenmart.core.labels import label

    return [SelectChoice(c, LazyString(label, c, "currency")) for c in PAID_CURRENCIES]


@with_translations(CardProgram.TRANSLATED)
class CardForm(BaseForm):
    """A card program: look, kind and its terms, benefits and member day, and the
    translations of its name and tagline."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, CARD_KIND[k]) for k in CARD_KINDS])
    tagline = StringField(_l("Tagline"), validators=[Optional(), Length(max=120)])
    color = StringField(_l("Card colour"), default="#c0392b",
                        validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$")])
    image = FileField(_l("Card picture (optional)"))
    validity_days = IntegerField(_l("Valid for (days; empty = permanent)"),
                                 validators=[Optional(), NumberRange(min=1, max=3650)])
    price = IntegerField(_l("Price (paid cards)"),
                         validators=[Optional(), NumberRange(min=1, max=100_000_000)])
    currency = SelectField(_l("Paid with"), choices=_currency_choices)
    fee = DecimalField(_l("Fee at most (CNY, light cards)"), places=2,
                       validators=[Optional(), NumberRange(min=Decimal("0.01"),
                                                           max=Decimal(1_000_000))])
    condition_metric = SelectField(_l("Condition (earned cards)"), choices=[
        SelectChoice("", _l("No condition")),
        *[SelectChoice(m, CONDITION_METRIC[m]) for m in CONDITION_METRICS]])
    condition_threshold = IntegerField(_l("Threshold"),
                                       validators=[Optional(), NumberRange(min=1, max=100_000_000)])
    earn_multiplier_percent = IntegerField(_l("Task coin multiplier (percent, e.g. 150)"),
                                           validators=[Optional(), NumberRange(min=100, max=1000)])
    member_discount_percent = IntegerField(_l("Member price (percent off)"),
                                           validators=[Optional(), NumberRange(min=1, max=99)])
    coupon_pack_id = SelectField(_l("Coupon pack on joining and every 30 days"), coerce=int)
    member_day = SelectField(_l("Member day"), coerce=int, choices=[
        SelectChoice(0, _l("No member day")),
        *[SelectChoice(int(d), WEEKDAY[d]) for d in WEEKDAY]])
    active = BooleanField(_l("Open to join"), default=True)
