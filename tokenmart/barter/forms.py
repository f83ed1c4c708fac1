"""Web forms for selling, ordering, order actions, ratings, messages and reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tokenmart.barter.models import REPORT_REASONS
from tokenmart.core.forms import BaseForm


def _sc(pairs: list[tuple[str, object]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


def category_choices() -> list[tuple[str, str]]:
    return [
        ("books", _l("Books")), ("clothing", _l("Clothing")), ("electronics", _l("Electronics")),
        ("home", _l("Home")), ("kids", _l("Kids")), ("beauty", _l("Beauty")),
        ("sports", _l("Sports")), ("other", _l("Other")),
    ]


def condition_choices() -> list[tuple[str, str]]:
    return [("new", _l("New")), ("like_new", _l("Like new")), ("good", _l("Good")),
            ("fair", _l("Fair"))]


def handover_choices() -> list[tuple[str, str]]:
    return [("both", _l("Post or meet-up")), ("post", _l("Post")), ("meetup", _l("Meet-up"))]


class ListingForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    category = SelectField(_l("Category"), choices=lambda: _sc(category_choices()))
    condition = SelectField(_l("Condition"), choices=lambda: _sc(condition_choices()))
    price = IntegerField(_l("Price in little red flowers"),
                         validators=[DataRequired(), NumberRange(min=1, max=100_000)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=60)])
    handover = SelectField(_l("Hand-over"), choices=lambda: _sc(handover_choices()))
    photos = MultipleFileField(_l("Photos (up to 6)"))


class PhotoForm(BaseForm):
    photo = FileField(_l("Add a photo"))


class OrderForm(BaseForm):
    handover = SelectField(_l("Hand-over"),
                           choices=_sc([("meetup", _l("Meet-up")), ("post", _l("Post"))]))
    address = StringField(_l("Address (for post)"), validators=[Optional(), Length(max=300)])
    coupon_code = StringField(_l("Coupon code (optional)"), validators=[Optional(), Length(max=64)])


class ShipForm(BaseForm):
    tracking_no = StringField(_l("Tracking number"), validators=[DataRequired(), Length(max=64)])


class DisputeForm(BaseForm):
    reason = StringField(_l("What went wrong?"), validators=[DataRequired(), Length(max=1000)])


class ActionForm(BaseForm):
    """Buttons without fields (confirm, cancel, approve): CSRF only."""


class RatingForm(BaseForm):
    stars = SelectField(_l("Stars"), choices=_sc([(str(i), "★" * i) for i in range(5, 0, -1)]))
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=500)])


class MessageForm(BaseForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=1000)])


class ReportForm(BaseForm):
    reason = SelectField(_l("Reason"), choices=_sc(list(zip(
        REPORT_REASONS, (_l("Prohibited item"), _l("Spam"), _l("Fraud"), _l("Other")),
        strict=True))))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ReasonForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
