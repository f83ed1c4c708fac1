"""Web forms of the mall: redeeming, and the admin's reward, codes and shipping forms."""

from __future__ import annotations

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

from tokenmart.core.forms import BaseForm


class RedeemForm(BaseForm):
    #: a fresh key per rendered form: a double click sends the same key twice
    key = HiddenField(validators=[DataRequired(), Length(max=100)])
    shipping_address = TextAreaField(_l("Shipping address"), validators=[Optional(),
                                                                         Length(max=500)])


class RewardForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    image_url = StringField(_l("Image URL"), validators=[Optional(), Length(max=500)])
    currency = SelectField(_l("Currency"), choices=[SelectChoice("flower", _l("Flowers")),
                                                    SelectChoice("coin", _l("Coins"))])
    price = IntegerField(_l("Price"), validators=[DataRequired(), NumberRange(min=1)])
    price_silver = IntegerField(_l("Silver price"), validators=[Optional(), NumberRange(min=1)])
    price_gold = IntegerField(_l("Gold price"), validators=[Optional(), NumberRange(min=1)])
    price_platinum = IntegerField(_l("Platinum price"),
                                  validators=[Optional(), NumberRange(min=1)])
    stock = IntegerField(_l("Stock (empty = unlimited)"),
                         validators=[Optional(), NumberRange(min=0)])
    per_user_limit = IntegerField(_l("Per-user limit (empty = none)"),
                                  validators=[Optional(), NumberRange(min=1)])
    starts_at = DateTimeLocalField(_l("Starts at"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends at"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
    grant_type = SelectField(_l("Grant"), choices=[
        SelectChoice("physical", _l("Physical item (needs a shipping address)")),
        SelectChoice("voucher_codes", _l("Voucher code from an uploaded list")),
        SelectChoice("coupon", _l("Coupon")),
    ])
    coupon_template_id = IntegerField(_l("Coupon template id"),
                                      validators=[Optional(), NumberRange(min=1)])
    coupon_pack_id = IntegerField(_l("…or coupon pack id"),
                                  validators=[Optional(), NumberRange(min=1)])


class CodesUploadForm(BaseForm):
    file = FileField(_l("CSV file of codes (first column)"), validators=[FileRequired()])


class ShipForm(BaseForm):
    tracking_no = StringField(_l("Tracking number"), validators=[Optional(), Length(max=80)])
