"""Web forms of the coupons domain (CSRF-protected by Flask-WTF).

The catalog's forms carry the translation fields of their model's names
(core.content_forms), shown folded by the `translations` macro of _macros.html.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import LazyString
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

from tokenmart.core.content_forms import with_translations
from tokenmart.core.forms import INT_MAX, BaseForm
from tokenmart.core.labels import label
from tokenmart.coupons.labels import COUPON_KIND
from tokenmart.coupons.models import KINDS, TIERS, Campaign, CouponPack, CouponTemplate


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
    redeem = SubmitField(_l("Redeem coupon"))


#: the kinds' words come from the one label mapping (tokenmart.coupons.labels)
KIND_CHOICES = [SelectChoice(kind, COUPON_KIND[kind]) for kind in KINDS]


def tier_choices() -> list[SelectChoice]:
    """No limit, then each tier in its reader's-language word (earning's "tier" labels),
    looked up lazily so the form class can be built before any request."""
    return [SelectChoice("", _l("Any tier")),
            *[SelectChoice(t, LazyString(label, t, "tier")) for t in TIERS]]


@with_translations(CouponTemplate.TRANSLATED)
class TemplateForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    value = IntegerField(_l("Value (cents or percent)"), default=0,
                         validators=[Optional(), NumberRange(min=0, max=INT_MAX)])
    min_spend_cents = IntegerField(_l("Minimum spend (cents)"), default=0,
                                   validators=[Optional(), NumberRange(min=0, max=INT_MAX)])
    valid_days = IntegerField(_l("Valid for days after issue"),
                              validators=[Optional(), NumberRange(min=1, max=3650)])
    total_quantity = IntegerField(_l("Total quantity (empty = unlimited)"),
                                  validators=[Optional(), NumberRange(min=1, max=INT_MAX)])
    per_user_limit = IntegerField(_l("Per-user limit"), default=1,
                                  validators=[DataRequired(), NumberRange(min=1, max=1000)])
    min_tier = SelectField(_l("Minimum tier"), choices=tier_choices())
    new_users_only = BooleanField(_l("New users only"))
    claimable = BooleanField(_l("Users may claim it directly"))


@with_translations(CouponTemplate.TRANSLATED)
class TemplateEditForm(BaseForm):
    """The catalog row's Edit: what may change once coupons exist (not kind or value).

    Bounded like the columns, so 10**23 is a field error on the page, not an
    OverflowError from the database.
    """

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    total_quantity = IntegerField(_l("Total quantity (empty = unlimited)"),
                                  validators=[Optional(), NumberRange(min=1, max=INT_MAX)])
    per_user_limit = IntegerField(_l("Per-user limit"), default=1,
                                  validators=[DataRequired(), NumberRange(min=1, max=1000)])
    claimable = BooleanField(_l("Users may claim it"))


@with_translations(Campaign.TRANSLATED)
class CampaignEditForm(BaseForm):
    """The campaign row's Edit: its words (numbers stay as the drives were promised)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])


@with_translations(CouponPack.TRANSLATED)
class PackForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    template_ids = SelectMultipleField(_l("Templates"), coerce=int,
                                       validators=[DataRequired()])
    claimable = BooleanField(_l("Users may claim it directly"))


@with_translations(CouponPack.TRANSLATED)
class PackEditForm(BaseForm):
    """The pack row's Edit: its name (the templates in it stay as they were promised)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])


@with_translations(Campaign.TRANSLATED)
class CampaignForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])
    template_id = SelectField(_l("Coupon to unlock"), coerce=int)
    required_assists = IntegerField(_l("Assists required"), default=3,
                                    validators=[DataRequired(), NumberRange(min=1, max=100)])
    drive_hours = IntegerField(_l("Drive stays open (hours)"), default=24,
                               validators=[DataRequired(), NumberRange(min=1, max=2160)])
    assist_reward_coins = IntegerField(_l("Coins for each assister"), default=0,
                                       validators=[Optional(), NumberRange(min=0, max=INT_MAX)])
    assist_template_id = SelectField(_l("Coupon for each assister"), coerce=int, default=0)
    drives_per_day = IntegerField(_l("Drives per user per day"), default=1,
                                  validators=[DataRequired(), NumberRange(min=1, max=100)])
    assists_per_day = IntegerField(_l("Assists per assister per day"), default=3,
                                   validators=[DataRequired(), NumberRange(min=1, max=100)])
