"""RFM segment snapshots and the grants made to them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.core.clock import utcnow
from tokenmart.core.db import UTCDateTime
from tokenmart.extensions import db


class SegmentSnapshot(db.Model):
    """One scoring run; members are frozen so a grant reaches exactly who was shown."""

    __tablename__ = "segment_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    window_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class SegmentMember(db.Model):
    __tablename__ = "segment_members"
    __table_args__ = (sa.Index("ix_segment_members_snapshot_segment", "snapshot_id", "segment"),)

    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("segment_snapshots.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    #: last activity in the window (None: no activity)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: distinct local days with ledger activity in the window
    frequency: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: tokens earned plus spent (flowers and coins) in the window
    monetary: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: quintile scores 1..5 (5 best)
    r: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False)
    f: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False)
    m: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False)
    segment: Mapped[str] = mapped_column(sa.String(20), nullable=False)


class SegmentGrant(db.Model):
    """A coupon template granted to a snapshot's segment, at most once."""

    __tablename__ = "segment_grants"
    __table_args__ = (
        sa.UniqueConstraint("snapshot_id", "segment", "template_id", name="uq_segment_grants_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("segment_snapshots.id"), nullable=False)
    segment: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    template_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    granted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    issued: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    #: share of the segment held out as a control group (0-50); drawn once, see holdout_seed
    holdout_percent: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    #: the seed of the draw (tokenmart.analytics.holdout), so the split is reproducible
    holdout_seed: Mapped[int | None] = mapped_column(sa.BigInteger)
    held_out: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
