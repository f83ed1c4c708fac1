"""Web forms of the mall: redeeming, and the admin's reward, codes and shipping forms."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tokenmart.core.content_forms import with_translations
from tokenmart.core.forms import BaseForm
from tokenmart.core.i18n import currency_name
from tokenmart.mall.admin_service import MAX_AMOUNT
from tokenmart.mall.labels import GRANT_TYPE_HELP
from tokenmart.mall.models import REWARD_CURRENCIES, Reward

#: per-user limits above this are no limit at all (the API's bound too)
MAX_PER_USER = 1_000_000


class RedeemForm(BaseForm):
    #: a fresh key per rendered form: a double click sends the same key twice
    key = HiddenField(validators=[DataRequired(), Length(max=100)])
    shipping_address = TextAreaField(_l("Shipping address"), validators=[Optional(),
                                                                         Length(max=500)])


def _price(label: str) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=1, max=MAX_AMOUNT)])


@with_translations(Reward.TRANSLATED)
class RewardForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    image = FileField(_l("Image (JPEG, PNG or WebP, up to 5 MB)"))
    remove_image = BooleanField(_l("Remove the uploaded image"))
    image_url = StringField(_l("…or an image URL"), validators=[Optional(), Length(max=500)])
    currency = SelectField(_l("Currency"), choices=[
        SelectChoice(c, LazyString(currency_name, c)) for c in REWARD_CURRENCIES])
    price = IntegerField(_l("Price"),
                         validators=[DataRequired(), NumberRange(min=1, max=MAX_AMOUNT)])
    price_silver = _price(_l("Silver price"))
    price_gold = _price(_l("Gold price"))
    price_platinum = _price(_l("Platinum price"))
    stock = IntegerField(_l("Stock (empty = unlimited)"),
                         validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)])
    stock_buckets = IntegerField(_l("Stock buckets (1-64; more for a very popular reward)"),
                                 default=1, validators=[Optional(), NumberRange(min=1, max=64)])
    per_user_limit = IntegerField(_l("Per-user limit (empty = none)"),
                                  validators=[Optional(), NumberRange(min=1, max=MAX_PER_USER)])
    starts_at = DateTimeLocalField(_l("Starts at"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends at"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
    grant_type = SelectField(_l("Grant"), choices=[
        SelectChoice(g, GRANT_TYPE_HELP[g]) for g in GRANT_TYPE_HELP])
    coupon_template_id = IntegerField(_l("Coupon template id"),
                                      validators=[Optional(), NumberRange(min=1)])
    coupon_pack_id = IntegerField(_l("…or coupon pack id"),
                                  validators=[Optional(), NumberRange(min=1)])


class CodesUploadForm(BaseForm):
    file = FileField(_l("CSV file of codes (first column)"), validators=[FileRequired()])


class ShipForm(BaseForm):
    tracking_no = StringField(_l("Tracking number"), validators=[Optional(), Length(max=80)])
