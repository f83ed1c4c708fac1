"""Registration, authentication, API tokens, roles and bans.

Every function flushes and never commits: the request edge or CLI command commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from tokenmart.accounts import signals, throttle
from tokenmart.accounts.models import ROLES, ApiToken, User, UserRole
from tokenmart.accounts.passwords import hash_password, is_common, verify_password
from tokenmart.audit import service as audit
from tokenmart.core import idempotency, rawsql
from tokenmart.core.clock import utcnow
from tokenmart.errors import (
    N_,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationError,
    filled,
)
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger

USERNAME_RE = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]{3,32}$")
MIN_PASSWORD = 8
#: an address we could write to: one @, no spaces, a dot in the domain (the API's schema
#: checks the same shape first; this is the rule for every way in, the web form included)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


class UsernameTaken(Conflict):
    code, message = "username_taken", N_("That username is taken; choose another.")


class InvalidCredentials(DomainError):
    status, code, message = 401, "invalid_credentials", N_("Wrong username or password.")


class AccountBanned(Forbidden):
    code, message = "account_banned", N_("This account has been banned.")


class WrongPassword(Forbidden):
    code, message = "wrong_password", N_("The current password is not right.")


def password_problems(password: str, username: str = "") -> list[str]:
    """Why `password` may not be used (empty when it may): the one password rule."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return [filled(N_("At least %(n)s characters."), n=MIN_PASSWORD)]
    if len(password) > 256:
        return [N_("At most 256 characters.")]
    if is_common(password) or (username and password.strip().lower() == username.lower()):
        return [N_("This password is too common or too easy to guess; choose another.")]
    return []


def validate_registration(username: str, password: str, email: str | None = None) -> None:
    fields: dict[str, list[str]] = {}
    if email and not EMAIL_RE.match(email):
        fields["email"] = [N_("Enter an e-mail address like name@example.com, or leave it empty.")]
    if not USERNAME_RE.match(username or ""):
        fields["username"] = [N_("3-32 letters, digits, _ or - (Chinese characters allowed).")]
    if problems := password_problems(password, username or ""):
        fields["password"] = problems
    if fields:
        raise ValidationError(details={"fields": fields})


def change_password(user: User, current: str, new: str, *,
                    keep_token: str | None = None) -> None:
    """Set a new password after checking the current one.

    Every web session of the user ends (session version) and every API token is revoked
    but the one making the request, if any (`keep_token`). Raises WrongPassword
    (403) or ValidationError (422) naming `new_password`.
    """
    throttle.check(user.username)
    if not verify_password(user.password_hash, current or ""):
        throttle.failed(user.username)
        raise WrongPassword()
    if problems := password_problems(new, user.username):
        raise ValidationError(details={"fields": {"new_password": problems}})
    user.password_hash = hash_password(new)
    user.session_version += 1
    query = sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if keep_token:
        query = query.where(ApiToken.token_hash != _token_hash(keep_token))
    db.session.execute(query.values(revoked_at=utcnow()))
    db.session.flush()
    audit.record(user.id, "user.password_change", "user", user.id, None, None)


def register_user(
    username: str,
    password: str,
    *,
    email: str | None = None,
    ref: str | None = None,
    ip: str | None = None,
    locale: str | None = None,
) -> User:
    """Create a user with empty flower/coin/credit accounts.

    Raises ValidationError for bad input and UsernameTaken (also when racing).
    """
    username = (username or "").strip()
    email = (email or "").strip().lower() or None
    validate_registration(username, password, email)
    user = User(
        username=username,
        username_key=username.lower(),
        email=email,
        password_hash=hash_password(password),
        registration_ip=ip,
        locale=locale,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        if email and "email" in str(exc.orig).lower():
            raise Conflict(N_("That e-mail address is already registered."), code="email_taken") from exc
        raise UsernameTaken() from exc
    ledger.open_user_accounts(user.id)
    signals.user_registered.send(user, ref=ref)
    return user


def find_by_username(username: str) -> User | None:
    return db.session.execute(
        sa.select(User).where(User.username_key == (username or "").strip().lower())
    ).scalar()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user


def authenticate(username: str, password: str) -> User:
    """The user for these credentials; InvalidCredentials or AccountBanned otherwise.

    Guarded by the per-account throttle: TooManyAttempts (429) while the account is
    blocked. A failure is counted in the session: the caller commits it even though
    the request fails (see the sign-in views).
    """
    throttle.check(username)
    user = find_by_username(username)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        throttle.failed(username)
        raise InvalidCredentials()
    throttle.succeeded(username)
    if user.is_banned:
        raise AccountBanned()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "api") -> str:
    """A new bearer token; only its hash is stored, so this is the only time it is seen."""
    token = "tm_" + secrets.token_urlsafe(32)
    days = current_app.config.get("API_TOKEN_DAYS", 30)
    expires = utcnow() + timedelta(days=days) if days else None
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), name=name[:60],
                            expires_at=expires))
    db.session.flush()
    return token


@dataclass(frozen=True)
class ApiCaller:
    """Who sent an API request: what every guard and most views need, nothing more.

    Views that need the whole `User` ask `accounts.auth.current_api_user()` for it.
    """

    id: int
    tier: str
    locale: str | None
    roles: frozenset[str]
    token_id: int = 0
    #: the token's last use is old enough to record this one (see caller_for_token)
    touch_due: bool = False
    #: the registered CALLER_FACTS that held when the token was checked
    facts: frozenset[str] = frozenset()

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


# Raw SQL: this runs first on every API request, the redemption hot path included, and
# loading the ORM User with its roles cost ~2 ms of CPU (see core.rawsql).
_CALLER_FROM = "FROM api_tokens t JOIN users u ON u.id = t.user_id"
_CALLER_WHERE = """
    WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL AND u.is_banned = :banned
      AND (t.expires_at IS NULL OR t.expires_at > :now)
      AND COALESCE(t.last_used_at, t.created_at) > :idle_since
"""
_CALLER_SQL = f"""
    {{claim_cte}}
    SELECT u.id, u.tier, u.locale, r.role, t.id, COALESCE(t.last_used_at, t.created_at) < :stale
           {{facts}} {{claim_column}}
    {_CALLER_FROM}
    LEFT JOIN user_roles r ON r.user_id = u.id
    {_CALLER_WHERE}
"""
#: who an early idempotency claim is inserted for: the same caller, when the token is not
#: due its touch (that commits at once, before the view: see accounts.auth)
_CLAIMANT_SQL = f"""
    SELECT t.user_id {_CALLER_FROM} {_CALLER_WHERE}
      AND COALESCE(t.last_used_at, t.created_at) >= :stale
"""

#: Facts about the caller that other domains read in the token's statement rather than in
#: a statement of their own: name -> an SQL truth value over the user row `u` and `:now`.
#: Why: a statement is a round trip, and the redemption hot path asked one only to learn
#: "no active membership card" for almost every caller (membership registers that one).
#: A fact is a snapshot at authentication; its owner decides when it may no longer hold.
CALLER_FACTS: dict[str, str] = {}
#: the token statement, built once per set of facts: (facts, without a claim, with one)
_caller_statement: tuple[tuple[str, ...], rawsql.SQL, rawsql.SQL] | None = None


def register_caller_fact(name: str, sql_truth: str) -> None:
    """Read `sql_truth` (over `u` and `:now`) with every bearer token; see CALLER_FACTS."""
    CALLER_FACTS[name] = " ".join(sql_truth.split())


def _statement(with_claim: bool) -> tuple[tuple[str, ...], rawsql.SQL]:
    """The token statement with the registered facts as extra columns and, if asked, the
    early idempotency claim as the last one (built once)."""
    global _caller_statement
    names = tuple(CALLER_FACTS)
    if _caller_statement is None or _caller_statement[0] != names:
        facts = "".join(f", ({CALLER_FACTS[name]})" for name in names)
        plain = _CALLER_SQL.format(claim_cte="", facts=facts, claim_column="")
        claiming = _CALLER_SQL.format(
            claim_cte="WITH " + idempotency.claim_cte(_CLAIMANT_SQL), facts=facts,
            claim_column=", (SELECT id FROM claim)")
        _caller_statement = (names, rawsql.SQL(plain), rawsql.SQL(claiming))
    return names, _caller_statement[2 if with_claim else 1]


_TOUCH_TOKEN = rawsql.SQL("UPDATE api_tokens SET last_used_at = :now WHERE id = :id")
#: how stale `last_used_at` may get before a request refreshes it (one write per hour)
TOUCH_EVERY = timedelta(hours=1)


def caller_for_token(token: str, claim: idempotency.EarlyClaim | None = None) -> ApiCaller | None:
    """The active (not banned) caller owning this unrevoked, unexpired, recently used
    token, else None.

    One statement: the roles come joined (a row per role), since every guard asks. When
    the token's last use is older than TOUCH_EVERY, `touch_due` says the caller should
    refresh it (`touch_token`) — so the idle timeout costs one write per token-hour, not
    one per request. The registered CALLER_FACTS come in the same row. With `claim` (an
    idempotent POST on PostgreSQL) the statement also inserts the caller's key claim,
    unless the touch is due, and records the outcome in `claim`.
    """
    now = utcnow()
    idle_days = current_app.config.get("API_TOKEN_IDLE_DAYS", 7)
    idle_since = now - timedelta(days=idle_days) if idle_days else datetime(2000, 1, 1, tzinfo=UTC)
    facts, statement = _statement(claim is not None)
    params = {
        "token_hash": _token_hash(token), "banned": False, "now": rawsql.db_datetime(now),
        "idle_since": rawsql.db_datetime(idle_since),
        "stale": rawsql.db_datetime(now - TOUCH_EVERY)}
    if claim is not None:
        params.update(claim.params())
    rows = rawsql.fetchall(statement, params)
    if not rows:
        return None
    user_id, tier, locale, _, token_id, stale, *held = rows[0]
    if claim is not None:
        *held, claimed = held
        claim.attempted, claim.record_id = not stale, claimed
    return ApiCaller(id=user_id, tier=tier, locale=locale,
                     roles=frozenset(r[3] for r in rows if r[3] is not None),
                     token_id=token_id, touch_due=bool(stale),
                     facts=frozenset(name for name, value in zip(facts, held, strict=True) if value))


def touch_token(token_id: int) -> None:
    """Record that a token was used now (for the idle timeout and the user's token list)."""
    rawsql.execute(_TOUCH_TOKEN, {"now": rawsql.db_datetime(utcnow()), "id": token_id})


def tokens_of(user_id: int) -> list[ApiToken]:
    """The user's tokens that still work, newest first (for their token list)."""
    now = utcnow()
    return list(db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None),
                                  sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))
        .order_by(ApiToken.id.desc())).scalars())


def revoke_token_of(user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens; NotFound for anyone else's (no hint it exists)."""
    n = db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id,
                                  ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())).rowcount
    if not n:
        raise NotFound(N_("No such token."))


def revoke_token(token: str) -> bool:
    n = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    return bool(n)


def revoke_all_tokens(user_id: int) -> int:
    return db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount or 0


def grant_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValidationError(N_("Unknown role %(role)s; known roles: %(roles)s."),
                              params={"role": repr(role), "roles": ", ".join(ROLES)})
    if not user.has_role(role):
        user.roles_rel.append(UserRole(role=role))
        db.session.flush()


def create_admin(username: str, password: str) -> User:
    """Create an admin, or make an existing user with these credentials admin."""
    user = find_by_username(username)
    if user is None:
        user = register_user(username, password)
    elif not verify_password(user.password_hash, password):
        raise UsernameTaken(
            N_("User %(name)s exists with another password; pick another name or "
               "sign in as them and grant the role."),
            params={"name": repr(username)},
        )
    grant_role(user, "admin")
    return user


def end_web_sessions(user: User) -> None:
    """Sign-out: every browser session and remember-me cookie of `user` stops working.

    Cookies are signed, not stored, so the server ends them by moving the session
    version they carry (see `auth._load_session_user`); an old cookie replayed after
    sign-out is anonymous. API tokens are separate and stay until revoked.
    """
    db.session.execute(sa.update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1))
    db.session.expire(user, ["session_version"])


def ban_user(user: User, *, actor_id: int, reason: str) -> User:
    """Ban: sign-in refused, sessions and tokens invalidated; listeners hide listings."""
    if user.id == actor_id:
        raise Forbidden(N_("Admins cannot ban themselves."), code="cannot_ban_self")
    before = {"is_banned": user.is_banned, "banned_reason": user.banned_reason}
    user.is_banned = True
    user.banned_reason = (reason or "")[:500] or None
    user.session_version += 1
    revoke_all_tokens(user.id)
    db.session.flush()
    signals.user_banned.send(user, actor_id=actor_id)
    audit.record(actor_id, "user.ban", "user", user.id, before,
                 {"is_banned": True, "banned_reason": user.banned_reason})
    return user


def unban_user(user: User, *, actor_id: int) -> User:
    before = {"is_banned": user.is_banned, "banned_reason": user.banned_reason}
    user.is_banned = False
    user.banned_reason = None
    db.session.flush()
    signals.user_unbanned.send(user, actor_id=actor_id)
    audit.record(actor_id, "user.unban", "user", user.id, before,
                 {"is_banned": False, "banned_reason": None})
    return user


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale
    db.session.flush()
