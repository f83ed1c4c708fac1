"""Admin periods and cash-outs pages: labels not codes, usernames, destinations, confirms,
and refused input shown again instead of lost."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import time_machine

from tests.clearing.helpers import ALIPAY, T0, sign_in
from tests.conftest import new_key
from tokenmart.clearing import cashouts, periods
from tokenmart.clearing.destinations import check_destination
from tokenmart.extensions import db


def _pending_cashout(make_user: Any, name: str = "ann", **destination: str) -> Any:
    user = make_user(name, credit=2000)
    fields = destination or ALIPAY
    cashout = cashouts.request_cashout(user.id, 1200, check_destination(
        fields["payout_method"], fields["payout_account_name"], fields["payout_account"]))
    db.session.commit()
    return user, cashout


def test_cashouts_page_shows_username_link_and_destination(
        client: Any, admin: Any, make_user: Any) -> None:
    ann, cashout = _pending_cashout(make_user)
    sign_in(client, "admin")
    html = client.get("/admin/cashouts").get_data(as_text=True)
    assert f'href="/admin/users/{ann.id}"' in html
    assert re.search(rf'href="/admin/users/{ann.id}"[^>]*>ann</a>', html)
    assert f"user {ann.id}" not in html
    assert "Alipay:" in html and "Ann Lee · 13800138000" in html
    assert "Awaiting payout" in html and "<title>Cash-outs" in html
    approve = re.search(r'<form[^>]*decision=approve|<form[^>]*/approve"[^>]*>', html)
    assert approve
    assert "Have you paid ¥12.00 to Alipay 13800138000 for ann?" in html
    assert f"Reject cash-out #{cashout.id} and return ¥12.00 to ann?" in html


def test_cashout_requested_without_destination_says_so(
        client: Any, admin: Any, api: Any, make_user: Any) -> None:
    bob = make_user("bob", credit=500)
    assert api(bob).post("/api/v1/cashouts", json={"amount_cents": 200},
                         key=new_key()).status_code == 201
    sign_in(client, "admin")
    html = client.get("/admin/cashouts").get_data(as_text=True)
    assert "No payout destination given" in html
    assert "None" not in re.sub(r"<[^>]+>", " ", html)


def test_empty_payment_reference_keeps_the_row_and_says_why(
        client: Any, admin: Any, make_user: Any) -> None:
    _ann, cashout = _pending_cashout(make_user)
    sign_in(client, "admin")
    resp = client.post(f"/admin/cashouts/{cashout.id}/approve", data={"external_ref": ""})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "This field is required" in html
    resp = client.post(f"/admin/cashouts/{cashout.id}/reject", data={"reason": "x" * 400})
    assert resp.status_code == 422
    assert "x" * 400 in resp.get_data(as_text=True)  # what the admin typed is still there
    assert client.post(f"/admin/cashouts/{cashout.id}/pay", data={}).status_code == 404


def test_approve_and_reject_show_status_labels(client: Any, admin: Any, make_user: Any) -> None:
    _ann, first = _pending_cashout(make_user, "ann")
    sign_in(client, "admin")
    assert client.post(f"/admin/cashouts/{first.id}/approve",
                       data={"external_ref": "AP-9"}).status_code == 302
    html = client.get("/admin/cashouts?status=approved").get_data(as_text=True)
    assert "Paid out" in html and "AP-9" in html
    assert client.get("/admin/cashouts?status=bogus\u00b2").status_code == 200


def test_periods_pages_use_labels_and_confirm(client: Any, admin: Any, make_user: Any) -> None:
    from tokenmart.barter import integrations

    with time_machine.travel(T0, tick=False) as traveller:
        make_user("ann", coin=1000)
        integrations.record_revenue(800, "shipping fee: a lamp", 1)
        db.session.commit()
        pid = periods.current_period().id
        sign_in(client, "admin")
        listing = client.get("/admin/periods").get_data(as_text=True)
        assert "Running now" in listing and ">open<" not in listing
        assert f"Close period #{pid} now?" in listing
        detail = client.get(f"/admin/periods/{pid}").get_data(as_text=True)
        assert "shipping_fee" not in detail and "Shipping fee paid" in detail
        assert f"<title>Period #{pid}" in detail
        traveller.shift(timedelta(hours=1))
        client.post("/admin/periods/close")
        ended = client.get(f"/admin/periods/{pid}").get_data(as_text=True)
        assert "Ended, clearing soon" in ended
        assert f"Clear period #{pid} now?" in ended
        chinese = client.get("/admin/periods?lang=zh_Hans").get_data(as_text=True)
        assert "进行中" in chinese and "已结束，即将结算" in chinese
        assert not re.search(r">\s*(open|ended|cleared)\s*<", chinese)


def test_bad_margin_entry_is_shown_again_with_input(client: Any, admin: Any) -> None:
    with time_machine.travel(T0, tick=False):
        pid = periods.current_period().id
        db.session.commit()
        sign_in(client, "admin")
        for amount in ("sNaN", "1e309", "-3", "2.555", "1e999999999999999999"):
            resp = client.post(f"/admin/periods/{pid}/margin-entries",
                               data={"kind": "revenue", "amount": amount, "memo": "kept memo"})
            assert resp.status_code == 422, amount
            html = resp.get_data(as_text=True)
            assert f'value="{amount}"' in html and 'value="kept memo"' in html
        assert periods.margin_of(pid) == 0


def test_periods_list_newest_first_by_start_even_when_ids_do_not_follow_time(
        app: Any, admin: Any, api: Any) -> None:
    """The demo backfills past days after today's period (#1), so by id the list read
    "#5 … #2, then #1 (today)" at the bottom; it is ordered by start, across pages too."""
    from datetime import timedelta

    from tokenmart.clearing import periods
    from tokenmart.clearing.models import Period
    from tokenmart.extensions import db

    today = periods.current_period()
    for back in (3, 2, 1):  # created after today's, starting before it
        db.session.add(Period(starts_at=today.starts_at - timedelta(days=back),
                              ends_at=today.starts_at - timedelta(days=back - 1),
                              status="ended", closed_early=False,
                              created_at=today.starts_at - timedelta(days=back)))
    db.session.commit()
    client = api(admin)
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/admin/periods?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status_code == 200, page.get_json()
        body = page.get_json()
        seen += [item["starts_at"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 4 and seen == sorted(seen, reverse=True)
    assert body["items"][-1]["id"] != today.id  # today's is first, not last
