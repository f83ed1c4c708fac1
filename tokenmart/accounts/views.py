"""Pages: sign in, register, sign out, profile and settings."""

from __future__ import annotations

import time
from typing import Any

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from tokenmart.accounts import service, twofactor
from tokenmart.accounts.forms import (
    ActionForm,
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    RegisterForm,
    SettingsForm,
    TwoFactorDisableForm,
)
from tokenmart.accounts.models import User
from tokenmart.core.web import local_path
from tokenmart.errors import DomainError
from tokenmart.extensions import db, limiter
from tokenmart.ledger.service import balances_of

bp = Blueprint("accounts", __name__)

#: functions (user) -> list of (title, html-safe template name, context) other domains add
PROFILE_SECTIONS: list[Any] = []


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so ?next= cannot send people elsewhere."""
    return local_path(target, url_for("home.index"))


def _fresh_session() -> None:
    """A new session at sign-in: nothing from before (the pre-login CSRF token above all)
    carries over into the signed-in one, except the language the visitor chose."""
    lang = session.get("lang")
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the old token for this request
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN"], methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.username.data, form.password.data)
        except DomainError as err:
            db.session.commit()  # the throttle's count of this failure must stay
            messages = {
                "invalid_credentials": _("Wrong username or password."),
                "too_many_attempts": _("Too many failed sign-ins for this account. Wait "
                                       "%(seconds)s seconds and try again.",
                                       seconds=err.headers.get("Retry-After", "60")),
            }
            flash(messages.get(err.code, _("This account has been banned.")), "error")
            response = render_template("accounts/login.html", form=form)
            return response, err.status, err.headers
        if user.has_two_factor:
            # The password was right; the session is not signed in until the code is.
            _fresh_session()
            session["two_factor"] = {"id": user.id, "v": user.session_version,
                                     "remember": bool(form.remember.data),
                                     "at": int(time.time())}
            db.session.commit()  # the throttle's reset
            return redirect(url_for("accounts.login_code", next=request.args.get("next")))
        _fresh_session()
        login_user(user, remember=form.remember.data)
        flash(_("Welcome back, %(name)s!", name=user.username), "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


#: how long the code step may follow the password step
TWO_FACTOR_STEP_SECONDS = 300


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN"], methods=["POST"])
def login_code() -> Any:
    """The second step of signing in, for accounts with two-factor sign-in."""
    pending = session.get("two_factor") or {}
    user = db.session.get(User, pending["id"]) if pending.get("id") else None
    fresh = time.time() - pending.get("at", 0) < TWO_FACTOR_STEP_SECONDS
    if user is None or not fresh or user.session_version != pending.get("v") or user.is_banned:
        session.pop("two_factor", None)
        flash(_("Sign in with your password first."), "info")
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    form = OtpForm()
    if form.validate_on_submit():
        try:
            twofactor.verify(user, form.code.data)
        except DomainError as err:
            db.session.commit()  # the throttle's count must stay
            form.code.errors = [_("Too many wrong codes. Wait a moment and try again.")
                                if err.code == "too_many_attempts"
                                else _("That code is not right or was already used.")]
            return render_template("accounts/login_code.html", form=form), err.status
        db.session.commit()
        _fresh_session()
        login_user(user, remember=pending.get("remember", False))
        flash(_("Welcome back, %(name)s!", name=user.username), "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login_code.html", form=form)


@bp.route("/me/two-factor", methods=["GET", "POST"])
@login_required
def two_factor() -> Any:
    """Turn two-factor sign-in on (scan, confirm, keep the recovery codes) or off."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if user.has_two_factor:
        form = TwoFactorDisableForm()
        if form.validate_on_submit():
            try:
                twofactor.disable(user, form.password.data, form.code.data)
            except DomainError:
                db.session.commit()  # the throttle's count must stay
                form.code.errors = [_("The password or the code is not right.")]
                return render_template("accounts/two_factor.html", form=form, user=user), 422
            db.session.commit()
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("accounts.profile"))
        return render_template("accounts/two_factor.html", form=form, user=user,
                               codes_left=twofactor.recovery_codes_left(user))
    form = OtpForm()
    if form.validate_on_submit() and user.totp_secret:
        try:
            codes = twofactor.confirm_enrollment(user, form.code.data)
        except DomainError:
            db.session.rollback()
            form.code.errors = [_("That code is not right. Check the time on your phone and "
                                  "type the newest code.")]
        else:
            db.session.commit()
            flash(_("Two-factor sign-in is on."), "success")
            return render_template("accounts/two_factor_codes.html", codes=codes,
                                   next=_safe_next(request.args.get("next"))
                                   if request.args.get("next") else None)
    elif not user.totp_secret:
        # Kept across reloads: a phone that scanned the code must stay paired with it.
        twofactor.start_enrollment(user)
        db.session.commit()
    uri = twofactor.provisioning_uri(user)
    qr = segno.make(uri, error="m").svg_inline(scale=4, dark="#222", light="#fff",
                                                title=_("QR code to scan"))
    return render_template("accounts/two_factor.html", form=form, user=user, secret=user.totp_secret,
                           qr=Markup(qr)), (422 if form.errors else 200)  # noqa: S704 - segno SVG of our own URI


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"], methods=["POST"])
def register() -> Any:
    if current_user.is_authenticated:
        # An invite or drive link sends people here; a member has nothing to create.
        flash(_("You are already signed in as %(name)s.", name=current_user.username), "info")
        return redirect(_safe_next(request.args.get("next")))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = service.register_user(
                form.username.data, form.password.data, email=form.email.data,
                ref=request.cookies.get("tm_ref"), ip=request.remote_addr,
            )
        except DomainError as err:
            db.session.rollback()
            if err.code == "username_taken":
                form.username.errors.append(_("That username is taken; choose another."))
            elif err.code == "email_taken":
                form.email.errors.append(_("That e-mail address is already registered."))
            else:
                for name, messages in err.field_texts().items():
                    getattr(form, name).errors.extend(messages)
            return render_template("accounts/register.html", form=form), 422
        db.session.commit()
        _fresh_session()
        login_user(user)
        flash(_("Welcome to tokenmart, %(name)s!", name=user.username), "success")
        # Back to where they came from (a friend's drive, a listing), else home.
        response = redirect(_safe_next(request.args.get("next")))
        response.delete_cookie("tm_ref")
        return response
    return render_template("accounts/register.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        service.end_web_sessions(current_user)
        db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "info")
    return redirect(url_for("home.index"))


@bp.route("/me", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    form = SettingsForm(obj=None)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
        form.leaderboard_opt_out.data = current_user.leaderboard_opt_out
    if form.validate_on_submit():
        service.set_locale(current_user, form.locale.data or None)
        # The setting wins over an earlier footer choice from now on.
        if form.locale.data:
            session["lang"] = form.locale.data
        else:
            session.pop("lang", None)
        current_user.leaderboard_opt_out = bool(form.leaderboard_opt_out.data)
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("accounts.profile"))
    sections = [section(current_user) for section in PROFILE_SECTIONS]
    return render_template(
        "accounts/profile.html", form=form, balances=balances_of(current_user.id),
        sections=[s for s in sections if s],
    )


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """Change the password; every other browser and API token of the account is signed out."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data,
                                    form.new_password.data)
        except DomainError as err:
            if err.code in ("wrong_password", "too_many_attempts"):
                db.session.commit()  # keep the throttle's count
            else:
                db.session.rollback()
            if err.code == "wrong_password":
                form.current_password.errors = [_("That is not your current password.")]
            elif err.code == "too_many_attempts":
                form.current_password.errors = [_("Too many wrong passwords. Wait a moment and "
                                                  "try again.")]
            else:
                form.new_password.errors = list(
                    err.field_texts().get("new_password", [err.text()]))
            return render_template("accounts/password.html", form=form), 422
        db.session.commit()
        # This browser stays signed in under the new session version; the others do not.
        login_user(current_user._get_current_object())  # type: ignore[attr-defined]
        flash(_("Password changed. Other devices have been signed out."), "success")
        return redirect(url_for("accounts.profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/password.html", form=form), status


@bp.get("/me/tokens")
@login_required
def tokens() -> Any:
    """The API tokens that can act for me: when each was made and last used; revoke any."""
    return render_template("accounts/tokens.html", tokens=service.tokens_of(current_user.id),
                           form=ActionForm())


@bp.post("/me/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        service.revoke_token_of(current_user.id, token_id)
        db.session.commit()
        flash(_("Token revoked: it can no longer be used."), "success")
    return redirect(url_for("accounts.tokens"))
