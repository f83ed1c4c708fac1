"""The margin entries a swap's shipping fee books read in the reader's language on the
admin's period page, with the listing's title as the seller wrote it.

Before, barter stored an English sentence as the memo ("shipping fee: 暖光台灯",
"shipping fee refunded: order 12"), and the Chinese period page showed it as it was.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from bs4 import BeautifulSoup

from tokenmart.clearing import periods
from tokenmart.clearing.models import MarginEntry
from tokenmart.extensions import db


def _memos(client: Any, lang: str) -> list[str]:
    """The first line of every margin entry on the current period's admin page."""
    period_id = periods.current_period().id
    db.session.commit()
    resp = client.get(f"/admin/periods/{period_id}?lang={lang}")
    assert resp.status_code == 200
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    return [li.div.contents[0].strip() for li in soup.select("[data-testid=margin-entries] li")]


def _swap_by_post(make_user: Any, make_listing: Any, place: Any, api: Any, title: str,
                  cancel: bool = False) -> int:
    """A posted swap of a listing titled `title` (its shipping fee is booked); the order id."""
    listing = make_listing(make_user(), title=title, handover="post")
    buyer = make_user(flower=100)
    resp = place(buyer, listing["id"], handover="post", address="1 Road, Shanghai")
    assert resp.status_code == 201, resp.get_json()
    order_id = resp.get_json()["id"]
    if cancel:
        assert api(buyer).post(f"/api/v1/orders/{order_id}/cancel").status_code == 200
    return order_id


def test_shipping_fee_entries_read_in_the_readers_language(
        make_user: Any, make_listing: Any, place: Any, api: Any, admin: Any,
        pages: Any) -> None:
    lamp = _swap_by_post(make_user, make_listing, place, api, "暖光台灯", cancel=True)
    _swap_by_post(make_user, make_listing, place, api, "Desk lamp with warm light")
    client = pages(admin)
    assert _memos(client, "zh_Hans") == [
        "运费：暖光台灯", f"运费已退还：订单 {lamp}", "运费：Desk lamp with warm light"]
    assert _memos(client, "en") == [
        "Shipping fee: 暖光台灯", f"Shipping fee refunded: order {lamp}",
        "Shipping fee: Desk lamp with warm light"]
    # what is stored is the seller's words alone; the sentence is the page's
    stored = db.session.execute(sa.select(MarginEntry.memo).order_by(MarginEntry.id)).scalars()
    assert list(stored) == ["暖光台灯", "暖光台灯", "Desk lamp with warm light"]


def test_entries_stored_with_the_old_english_memo_read_the_same_way(
        admin: Any, pages: Any) -> None:
    periods.record_revenue(800, kind="shipping_fee", memo="shipping fee: 暖光台灯",
                           source_ref="order:12")
    periods.record_revenue(-800, kind="shipping_refund", memo="shipping fee refunded: order 12",
                           source_ref="order:12:refund")
    db.session.commit()
    client = pages(admin)
    assert _memos(client, "zh_Hans") == ["运费：暖光台灯", "运费已退还：订单 12"]
    assert _memos(client, "en") == ["Shipping fee: 暖光台灯", "Shipping fee refunded: order 12"]


def test_an_admins_memo_and_entries_no_order_booked_stay_as_typed(
        admin: Any, pages: Any) -> None:
    period_id = periods.current_period().id
    periods.add_margin_entry(period_id, kind="revenue", amount_cents=500,
                             memo="shipping fee: typed by hand", actor_id=admin.id)
    periods.add_margin_entry(period_id, kind="revenue", amount_cents=900,
                             memo="运费收入 · Shipping fees", source="shipping_fee")
    periods.add_margin_entry(period_id, kind="cost", amount_cents=100, memo="",
                             actor_id=admin.id)
    db.session.commit()
    client = pages(admin)
    for lang, no_memo in (("zh_Hans", "管理员录入"), ("en", "Entered by an admin")):
        assert _memos(client, lang) == [
            "shipping fee: typed by hand", "运费收入 · Shipping fees", no_memo]
