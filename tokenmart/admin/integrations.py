"""Where the back office reads other domains: interaction edges for ring detection,
extra fraud signals, sections on the admin user page. Imported by admin.views."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from tokenmart.admin import fraud
from tokenmart.extensions import db


def share_visit_edges() -> Iterable[tuple[int, int]]:
    """visitor -> sharer for every signed-in visit of a share link."""
    from tokenmart.earning.models import ShareLink, ShareVisit

    rows = db.session.execute(
        sa.select(ShareVisit.visitor_id, ShareLink.user_id)
        .join(ShareLink, ShareLink.id == ShareVisit.share_id)
        .where(ShareVisit.visitor_id.is_not(None))
    ).all()
    return [(int(v), int(s)) for v, s in rows]


fraud.EDGE_PROVIDERS.append(share_visit_edges)
