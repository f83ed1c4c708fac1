"""Forms of the Tasks pages (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, Length, NumberRange


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (check in, get my invite link)."""


class ShareForm(FlaskForm):
    target_type = HiddenField(validators=[DataRequired(), Length(max=20)])
    target_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])
