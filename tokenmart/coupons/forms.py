"""Web forms of the coupons domain (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tokenmart.core.forms import BaseForm
from tokenmart.coupons.models import TIERS


class ActionForm(BaseForm):
    """A button that changes something: only the CSRF token."""


class VerifyForm(BaseForm):
    code = StringField(_l("Coupon code"), validators=[DataRequired(), Length(max=64)])
    order_amount = DecimalField(_l("Order amount (CNY)"), places=2,
                                validators=[DataRequired(), NumberRange(min=Decimal("0.01"),
                                                                        max=Decimal(10**7))])
    shipping_fee = DecimalField(_l("Shipping fee (CNY, optional)"), places=2,
                                validators=[Optional(), NumberRange(min=0, max=Decimal(10**5))])
    check = SubmitField(_l("Check"))
    redeem = SubmitField(_l("Redeem"))


KIND_CHOICES = [SelectChoice("amount_off", _l("Amount off (cents)")),
                SelectChoice("percent_off", _l("Percent off")),
                SelectChoice("free_shipping", _l("Free shipping"))]


class TemplateForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    value = IntegerField(_l("Value (cents or percent)"), default=0,
                         validators=[Optional(), NumberRange(min=0)])
    min_spend_cents = IntegerField(_l("Minimum spend (cents)"), default=0,
                                   validators=[Optional(), NumberRange(min=0)])
    valid_days = IntegerField(_l("Valid for days after issue"),
                              validators=[Optional(), NumberRange(min=1, max=3650)])
    total_quantity = IntegerField(_l("Total quantity (empty = unlimited)"),
                                  validators=[Optional(), NumberRange(min=1)])
    per_user_limit = IntegerField(_l("Per-user limit"), default=1,
                                  validators=[DataRequired(), NumberRange(min=1, max=1000)])
    min_tier = SelectField(_l("Minimum tier"), choices=[SelectChoice("", "-"),
                                                      *[SelectChoice(t, t) for t in TIERS]])
    new_users_only = BooleanField(_l("New users only"))
    claimable = BooleanField(_l("Users may claim it directly"))


class PackForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    template_ids = SelectMultipleField(_l("Templates"), coerce=int,
                                       validators=[DataRequired()])
    claimable = BooleanField(_l("Users may claim it directly"))


class CampaignForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])
    template_id = SelectField(_l("Coupon to unlock"), coerce=int)
    required_assists = IntegerField(_l("Assists required"), default=3,
                                    validators=[DataRequired(), NumberRange(min=1, max=100)])
    drive_hours = IntegerField(_l("Drive stays open (hours)"), default=24,
                               validators=[DataRequired(), NumberRange(min=1, max=2160)])
    assist_reward_coins = IntegerField(_l("Coins for each assister"), default=0,
                                       validators=[Optional(), NumberRange(min=0)])
    assist_template_id = SelectField(_l("Coupon for each assister"), coerce=int, default=0)
    drives_per_day = IntegerField(_l("Drives per user per day"), default=1,
                                  validators=[DataRequired(), NumberRange(min=1, max=100)])
    assists_per_day = IntegerField(_l("Assists per assister per day"), default=3,
                                   validators=[DataRequired(), NumberRange(min=1, max=100)])
