"""Forms of the Tasks pages (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, Length, NumberRange

from tokenmart.core.forms import BaseForm


class ActionForm(BaseForm):
    """A button that only needs the CSRF token (check in, get my invite link)."""


class ShareForm(BaseForm):
    target_type = HiddenField(validators=[DataRequired(), Length(max=20)])
    target_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])
