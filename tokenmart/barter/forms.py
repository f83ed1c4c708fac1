"""Web forms for selling, ordering, order actions, ratings, messages and reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tokenmart.barter.labels import CATEGORY, CONDITION, HANDOVER, REPORT_REASON, choices
from tokenmart.barter.models import CATEGORIES, CONDITIONS, REPORT_REASONS
from tokenmart.core.forms import BaseForm


def _sc(pairs: list[tuple[str, object]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


def category_choices() -> list[tuple[str, object]]:
    return choices(CATEGORY, CATEGORIES)


def condition_choices() -> list[tuple[str, object]]:
    return choices(CONDITION, CONDITIONS)


def handover_choices() -> list[tuple[str, object]]:
    return choices(HANDOVER, ("both", "post", "meetup"))


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
    handover = SelectField(_l("Hand-over"), choices=lambda: _sc(choices(HANDOVER, ("meetup", "post"))))
    address = StringField(_l("Address (for post)"), validators=[Optional(), Length(max=300)])
    #: one of the buyer's coupons, picked from the list on the form
    coupon_pick = StringField(_l("Coupon"), validators=[Optional(), Length(max=64)])
    #: or a code typed by hand (wins over the picked one)
    coupon_code = StringField(_l("Or type a coupon code"), validators=[Optional(), Length(max=64)])

    def coupon_entered(self) -> str | None:
        """The coupon the buyer typed (it wins) or picked, whatever the hand-over."""
        typed = (self.coupon_code.data or "").strip()
        return typed or (self.coupon_pick.data or "").strip() or None

    def chosen_coupon(self) -> str | None:
        """The coupon to apply to the order: none for a meet-up, which has no fee to reduce."""
        return self.coupon_entered() if self.handover.data == "post" else None


class ShipForm(BaseForm):
    """Post orders send a tracking number; a meet-up is marked handed over without one.
    The service decides which the order needs and what a tracking number is
    (`orders_service.clean_tracking_no`), so the form repeats no length of its own."""

    tracking_no = StringField(_l("Tracking number"), validators=[Optional()])


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
    reason = SelectField(_l("Reason"), choices=lambda: _sc(choices(REPORT_REASON, REPORT_REASONS)))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ReasonForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
