"""A card's revenue on the period page reads in the reader's language: the entry keeps
the card's name, the page words it ("售出会员卡：Gold card"); it read "card: Gold card"
on the Chinese page. Entries stored with the old English sentence read the same way."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from bs4 import BeautifulSoup

from tests.coupons.helpers import login
from tokenmart.clearing import periods
from tokenmart.clearing.models import MarginEntry
from tokenmart.extensions import db
from tokenmart.membership import joining


def _memos(app: Any, lang: str) -> list[str]:
    period_id = periods.current_period().id
    db.session.commit()
    page = login(app, "admin").get(f"/admin/periods/{period_id}?lang={lang}")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    return [li.div.contents[0].strip() for li in soup.select("[data-testid=margin-entries] li")]


def test_card_revenue_reads_in_the_readers_language(app: Any, admin: Any, make_user: Any,
                                                   make_card: Any) -> None:
    card = make_card("paid", name="Gold card", price=300, currency="credit", validity_days=30)
    buyer = make_user("buyer", credit=1000)
    joining.join_card(card.id, buyer.id)
    db.session.commit()
    periods.record_revenue(200, kind="light_membership", memo="light card: Light card",
                           source_ref="old-light-1")  # as entries were stored before
    db.session.commit()
    assert _memos(app, "zh_Hans") == ["售出会员卡：Gold card", "轻享卡费用：Light card"]
    assert _memos(app, "en") == ["Card sold: Gold card", "Light card fee: Light card"]
    stored = db.session.execute(sa.select(MarginEntry.memo).order_by(MarginEntry.id)).scalars()
    assert list(stored)[0] == "Gold card"  # the name alone; the sentence is the page's
