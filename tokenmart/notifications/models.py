"""Notification rows: a kind plus parameters, rendered at read time in the reader's locale."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.core.clock import utcnow
from tokenmart.core.db import UTCDateTime
from tokenmart.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    #: which renderer formats it, e.g. "balance"
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, nullable=False)
    #: where clicking it leads, if anywhere
    link: Mapped[str | None] = mapped_column(sa.String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
