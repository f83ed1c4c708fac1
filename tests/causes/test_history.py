"""My donations: the owner's gifts and pledged credits, newest first, on a page, in the API
and linked from the causes list and the wallet; never another person's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import time_machine

from tests.causes.helpers import make_cause
from tests.clearing.helpers import T0, sign_in
from tokenmart.causes import giving_service, history_service
from tokenmart.clearing import engine, periods
from tokenmart.clearing.models import ClearingPledgeMove
from tokenmart.extensions import db


def _clear(revenue_cents: int = 1000) -> None:
    """Close the current period with some revenue and clear it (pledges apply)."""
    period = periods.current_period()
    periods.add_margin_entry(period.id, kind="revenue", amount_cents=revenue_cents, memo="t")
    closed = periods.close_current(None)
    db.session.commit()
    engine.clear_period(closed.id)


def _giving(make_user: Any) -> dict[str, Any]:
    """ann gives coins to rivers, flowers to trees and pledges 50% to rivers (cleared once);
    bob gives to trees."""
    with time_machine.travel(T0, tick=False) as traveller:
        ann, bob = make_user("ann", coin=1000, flower=10), make_user("bob", coin=1000)
        rivers, trees = make_cause("Clean rivers"), make_cause("Trees for the hills")
        giving_service.donate(ann.id, rivers.id, "coin", 40)
        giving_service.donate(bob.id, trees.id, "coin", 7)
        giving_service.donate(ann.id, trees.id, "flower", 3)
        giving_service.set_pledge(ann.id, rivers.id, 50)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        _clear()  # ann holds 960 of 1953 coins: 491 cents of 1000, 245 pledged
    return {"ann": ann, "bob": bob, "rivers": rivers, "trees": trees}


def test_giving_of_lists_only_the_owners_rows_newest_first_with_pledges(
        app: Any, make_user: Any) -> None:
    w = _giving(make_user)
    items = history_service.giving_of(w["ann"].id, None, 20).items
    assert [(i.kind, i.cause_name, i.currency) for i in items] == [
        ("pledge", "Clean rivers", "credit"),
        ("donation", "Trees for the hills", "flower"),
        ("donation", "Clean rivers", "coin")]
    assert [i.amount for i in items[1:]] == [3, 40]
    assert items[0].amount > 0 and items[0].cause_id == w["rivers"].id
    assert items[0].donation_id is None and items[1].donation_id is not None
    bobs = history_service.giving_of(w["bob"].id, None, 20).items
    assert [(i.kind, i.cause_name, i.amount) for i in bobs] == [
        ("donation", "Trees for the hills", 7)]
    assert history_service.giving_of(make_user("carl").id, None, 20).items == []


def test_giving_of_pages_with_a_cursor(app: Any, make_user: Any) -> None:
    w = _giving(make_user)
    first = history_service.giving_of(w["ann"].id, None, 2)
    assert len(first.items) == 2 and first.next_cursor
    rest = history_service.giving_of(w["ann"].id, first.next_cursor, 2)
    assert [i.kind for i in rest.items] == ["donation"] and rest.next_cursor is None
    assert rest.items[0].amount == 40


def _two_pledgers_cleared(make_user: Any, traveller: Any) -> dict[str, Any]:
    """ann pledges to rivers, bob to trees; one clearing credits both causes in one
    transaction."""
    ann, bob = make_user("ann", coin=1000), make_user("bob", coin=1000)
    rivers, trees = make_cause("Clean rivers"), make_cause("Trees for the hills")
    giving_service.set_pledge(ann.id, rivers.id, 50)
    giving_service.set_pledge(bob.id, trees.id, 50)
    db.session.commit()
    traveller.shift(timedelta(hours=1))
    _clear()
    return {"ann": ann, "bob": bob, "rivers": rivers, "trees": trees}


def test_a_pledge_shared_by_several_causes_names_each_owners_cause_from_the_clearing(
        app: Any, make_user: Any) -> None:
    """The clearing records where each user's credit went, so the row keeps naming the
    cause after the user pledges elsewhere."""
    with time_machine.travel(T0, tick=False) as traveller:
        w = _two_pledgers_cleared(make_user, traveller)
        [ann_row] = history_service.giving_of(w["ann"].id, None, 20).items
        [bob_row] = history_service.giving_of(w["bob"].id, None, 20).items
        assert (ann_row.kind, ann_row.cause_id) == ("pledge", w["rivers"].id)
        assert (bob_row.kind, bob_row.cause_id) == ("pledge", w["trees"].id)
        assert ann_row.transaction_id == bob_row.transaction_id  # one shared transaction
        traveller.shift(timedelta(hours=1))
        giving_service.set_pledge(w["ann"].id, w["trees"].id, 10)
        db.session.commit()
        [row] = history_service.giving_of(w["ann"].id, None, 20).items
        assert (row.cause_id, row.cause_name) == (w["rivers"].id, "Clean rivers")


def test_an_older_shared_pledge_without_a_record_names_its_cause_only_when_sure(
        app: Any, make_user: Any) -> None:
    """Pledge transactions from before migration 0018 have no per-user record: the cause
    is read back from the pledge as it was then; once re-pledged, the row says it cannot
    tell, never a wrong cause."""
    with time_machine.travel(T0, tick=False) as traveller:
        w = _two_pledgers_cleared(make_user, traveller)
        db.session.execute(sa.delete(ClearingPledgeMove))  # as before migration 0018
        db.session.commit()
        [row] = history_service.giving_of(w["ann"].id, None, 20).items
        assert (row.kind, row.cause_id) == ("pledge", w["rivers"].id)
        traveller.shift(timedelta(hours=1))
        giving_service.set_pledge(w["ann"].id, w["trees"].id, 10)
        db.session.commit()
        [row] = history_service.giving_of(w["ann"].id, None, 20).items
        assert (row.cause_id, row.cause_name) == (None, None)


def test_my_donations_page_lists_mine_links_causes_and_hides_others(
        client: Any, make_user: Any) -> None:
    w = _giving(make_user)
    sign_in(client, "bob")
    html = client.get("/causes/mine").get_data(as_text=True)
    assert html.count('data-testid="giving-row"') == 1
    assert f'href="/causes/{w["trees"].id}"' in html and "7 coins" in html
    assert "Clean rivers" not in html and "40 coins" not in html
    client = client.application.test_client()  # another person's browser
    sign_in(client, "ann")
    html = client.get("/causes/mine").get_data(as_text=True)
    assert html.count('data-testid="giving-row"') == 3
    assert "Pledged credits" in html and "3 little red flowers" in html and "40 coins" in html
    assert "7 coins" not in html
    assert html.index("Pledged credits") < html.index("3 little red flowers") < html.index(
        "40 coins")
    assert 'data-testid="my-pledge"' in html
    assert 'href="/causes/mine"' in client.get("/causes").get_data(as_text=True)
    assert 'href="/causes/mine"' in client.get("/wallet").get_data(as_text=True)


def test_my_donations_page_empty_state_and_sign_in(client: Any, make_user: Any) -> None:
    resp = client.get("/causes/mine")
    assert resp.status_code == 302 and "/login" in resp.location
    make_user("carl")
    sign_in(client, "carl")
    html = client.get("/causes/mine").get_data(as_text=True)
    assert "You have not given to a cause yet." in html
    assert 'href="/causes"' in html and 'data-testid="giving-row"' not in html
    assert 'href="/causes/mine"' not in client.get("/wallet").get_data(as_text=True)
    assert client.get("/causes/mine?cursor=nope").status_code in (400, 422)


def test_my_donations_api_lists_only_mine_paginated(app: Any, api: Any, make_user: Any) -> None:
    w = _giving(make_user)
    assert api().get("/api/v1/me/donations").status_code == 401
    body = api(w["ann"]).get("/api/v1/me/donations?limit=2").get_json()
    assert [(i["kind"], i["cause_name"]) for i in body["items"]] == [
        ("pledge", "Clean rivers"), ("donation", "Trees for the hills")]
    assert set(body["items"][1]) == {"kind", "transaction_id", "donation_id", "cause_id",
                                     "cause_name", "cause_name_translations", "currency",
                                     "amount", "created_at"}
    assert body["items"][1]["cause_name_translations"] == {}
    assert body["items"][1]["amount"] == 3 and body["items"][1]["currency"] == "flower"
    rest = api(w["ann"]).get(f"/api/v1/me/donations?limit=2&cursor={body['next_cursor']}")
    assert [(i["kind"], i["amount"]) for i in rest.get_json()["items"]] == [("donation", 40)]
    assert rest.get_json()["next_cursor"] is None
    bobs = api(w["bob"]).get("/api/v1/me/donations").get_json()["items"]
    assert [(i["cause_id"], i["amount"]) for i in bobs] == [(w["trees"].id, 7)]


def test_my_donations_api_names_the_cause_per_language(api: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=100)
    cause = make_cause("Clean rivers")
    cause.translations = {"zh_Hans": {"name": "清洁河流"}}
    giving_service.donate(ann.id, cause.id, "coin", 5)
    db.session.commit()
    item = api(ann).get("/api/v1/me/donations").get_json()["items"][0]
    assert (item["cause_name"], item["cause_name_translations"]) == (
        "Clean rivers", {"zh_Hans": "清洁河流"})
