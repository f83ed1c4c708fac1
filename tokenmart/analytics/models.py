"""The analytics domain's one table: who a segment grant treated and who it held out.

Everything else analytics reads is a fact other domains record at the source (the
`attribution_kind`/`attribution_id` columns on ledger transactions, coupons and users).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.analytics import attribution  # noqa: F401 - connects the registration listener
from tokenmart.extensions import db


class GrantCohort(db.Model):
    """A segment member's side of a grant's split, drawn once (analytics.holdout)."""

    __tablename__ = "segment_grant_cohorts"
    __table_args__ = (
        sa.Index("ix_segment_grant_cohorts_grant_treated", "grant_id", "treated"),
    )

    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("segment_grants.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    #: True: got the coupon; False: held out as the control group (got nothing)
    treated: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
