"""Two-factor sign-in with TOTP (RFC 6238) and recovery codes (OWASP ASVS 5.0 V6.5).

Enrollment: `start_enrollment` stores a new secret (not yet in force) and gives the
otpauth:// URI for an authenticator app; `confirm_enrollment` turns it on once the person
types a current code, and returns ten recovery codes, shown once. From then on signing in
(web or `POST /api/v1/auth/tokens`) needs a current code or an unused recovery code.
A code is accepted once (the last accepted time step is stored, so a shoulder-surfed code
cannot be replayed) and wrong codes count in the per-account sign-in throttle. Admins
must enroll before any back-office page opens (accounts.auth.admin_page).
"""

from __future__ import annotations

import hashlib
import secrets

import pyotp
import sqlalchemy as sa

from tokenmart.accounts import throttle
from tokenmart.accounts.models import RecoveryCode, User
from tokenmart.accounts.passwords import verify_password
from tokenmart.audit import service as audit
from tokenmart.core.clock import utcnow
from tokenmart.errors import N_, DomainError, Forbidden, ValidationError
from tokenmart.extensions import db

ISSUER = "tokenmart"
RECOVERY_CODES = 10
#: accept the previous and next 30-second step too: phones' clocks drift
VALID_WINDOW = 1


class OtpRequired(DomainError):
    status, code = 401, "otp_required"
    message = N_("This account uses two-factor sign-in: send `otp`, a current code or a "
                 "recovery code.")


class InvalidOtp(DomainError):
    status, code, message = 401, "invalid_otp", N_("That code is not right or was already used.")


def provisioning_uri(user: User) -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) during enrollment."""
    if not user.totp_secret:
        raise ValidationError(N_("Start enrollment first."))
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def start_enrollment(user: User) -> str:
    """A fresh secret for `user` (replacing a pending one); not in force until confirmed."""
    if user.has_two_factor:
        raise ValidationError(N_("Two-factor sign-in is already on."), code="already_enrolled")
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    return user.totp_secret


def confirm_enrollment(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with a current code; the recovery codes, shown once."""
    if user.has_two_factor or not user.totp_secret:
        raise ValidationError(N_("Start enrollment first."))
    step = _matching_step(user.totp_secret, code)
    if step is None:
        raise InvalidOtp()
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record(user.id, "user.two_factor_on", "user", user.id, None, None)
    db.session.flush()
    return codes


def disable(user: User, password: str, code: str) -> None:
    """Turn it off: needs the password and a current (or recovery) code."""
    if not verify_password(user.password_hash, password or ""):
        raise Forbidden(N_("The password is not right."), code="wrong_password")
    verify(user, code)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(user.id, "user.two_factor_off", "user", user.id, None, None)
    db.session.flush()


def verify(user: User, code: str | None) -> None:
    """Accept a current TOTP code (once) or an unused recovery code; else raise.

    OtpRequired without a code, InvalidOtp for a wrong or replayed one (counted by the
    per-account throttle, so codes cannot be guessed at leisure). Only flushes.
    """
    if not user.has_two_factor:
        return
    code = (code or "").strip().replace(" ", "").replace("-", "").lower()
    if not code:
        raise OtpRequired()
    throttle.check(user.username)
    step = _matching_step(user.totp_secret or "", code) if code.isdigit() else None
    if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
        # Conditional, so two requests with the same code cannot both pass.
        won = db.session.execute(
            sa.update(User).where(User.id == user.id, sa.or_(
                User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)).rowcount
        if won:
            db.session.expire(user, ["totp_last_step"])
            return
    elif step is None and _use_recovery_code(user, code):
        return
    throttle.failed(user.username)
    raise InvalidOtp()


def recovery_codes_left(user: User) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar_one()


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret)
    now = utcnow()
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == totp.digits):
        return None
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _use_recovery_code(user: User, code: str) -> bool:
    return bool(db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                      RecoveryCode.code_hash == _hash(code),
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())).rowcount)
