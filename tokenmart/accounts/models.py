"""Users, their roles and their API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tokenmart.core.db import TimestampMixin, UTCDateTime
from tokenmart.extensions import db

ROLES = ("admin", "merchant")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.Index("ix_users_attribution", "attribution_kind", "attribution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    #: lower-cased username; unique, so "Alice" and "alice" cannot both exist
    username_key: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    #: "en" or "zh_Hans"; None means follow the browser's Accept-Language
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    #: member | silver | gold | platinum; recomputed by the earning domain
    tier: Mapped[str] = mapped_column(sa.String(20), default="member", nullable=False)
    #: hide me from the public weekly leaderboard
    leaderboard_opt_out: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    is_banned: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    banned_reason: Mapped[str | None] = mapped_column(sa.String(500))
    registration_ip: Mapped[str | None] = mapped_column(sa.String(64))
    #: bumped on ban and password change so old browser sessions stop working
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    #: base32 TOTP secret; set when enrollment starts, in force once totp_enabled_at is set
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the last accepted 30-second step: a code is never accepted twice
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: the campaign or reward whose share or drive link brought this registration (analytics)
    attribution_kind: Mapped[str | None] = mapped_column(sa.String(20))
    attribution_id: Mapped[int | None] = mapped_column(sa.Integer)

    roles_rel: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.roles_rel)

    def has_role(self, role: str) -> bool:
        return any(r.role == role for r in self.roles_rel)

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_banned

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    user: Mapped[User] = relationship(back_populates="roles_rel")


class ApiToken(TimestampMixin, db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True, nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(60), default="api", nullable=False)
    #: refreshed at most once an hour (see accounts.service.caller_for_token)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: absolute end of the token (TOKENMART_API_TOKEN_DAYS after issue); None = never
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SigninThrottle(db.Model):
    """Failed sign-ins per tried username (when no Redis is configured; see accounts.throttle)."""

    __tablename__ = "signin_throttles"

    #: the lower-cased username tried, whether or not the account exists
    account_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    #: no attempt is checked before this time (growing with `failures`)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class RecoveryCode(db.Model):
    """A single-use code that stands in for a TOTP code (lost phone); stored as SHA-256."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True, nullable=False)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
