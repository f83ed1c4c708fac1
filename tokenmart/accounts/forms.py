"""Web forms for signing in, registering and settings (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from tokenmart.core.forms import BaseForm


class LoginForm(BaseForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in"))


class RegisterForm(BaseForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=32)])
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords differ."))],
    )


class SettingsForm(BaseForm):
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Same as my browser")),
            SelectChoice("en", "English"),
            SelectChoice("zh_Hans", "简体中文"),
        ],
    )
    leaderboard_opt_out = BooleanField(_l("Hide me from the weekly leaderboard"))


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new_password",
                                                                message=_l("Passwords differ."))])


class ActionForm(BaseForm):
    """A button without fields (revoke): the CSRF token only."""


class OtpForm(BaseForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=20)])


class TwoFactorDisableForm(BaseForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=20)])
