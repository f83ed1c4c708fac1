"""Cause pages: the list and a cause (raised, progress, opted-in names), giving through the
form (a double click gives once), pledging, and the admin's forms and payouts."""

from __future__ import annotations

import io
from typing import Any

from tests.causes.helpers import cause_balance, count, make_cause
from tests.clearing.helpers import balances, sign_in
from tests.mall.conftest import image_bytes
from tokenmart.causes import causes_service, giving_service
from tokenmart.causes.models import Cause
from tokenmart.extensions import db


def test_list_and_cause_page_show_raised_progress_and_names(client: Any, make_user: Any) -> None:
    ann, bob = make_user("ann", coin=500), make_user("bob", coin=500)
    cause = make_cause("Clean rivers", goal_coins=1000)
    giving_service.donate(ann.id, cause.id, "coin", 250, show_name=True)
    giving_service.donate(bob.id, cause.id, "coin", 50, show_name=False)
    db.session.commit()
    listing = client.get("/causes").get_data(as_text=True)
    assert "Clean rivers" in listing and "30% of the goal of 1,000 coins" in listing
    page = client.get(f"/causes/{cause.id}").get_data(as_text=True)
    assert "Raised 300 coins and 0 little red flowers" in page
    assert "2 donors" in page and 'value="30"' in page
    assert ">ann<" in page and ">bob<" not in page
    assert "Sign in to give" in page
    assert client.get("/causes/999999").status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="home-causes"' in home and f'href="/causes/{cause.id}"' in home


def test_donate_form_twice_with_one_key_gives_once(client: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=100)
    cause = make_cause()
    sign_in(client, "ann")
    page = client.get(f"/causes/{cause.id}").get_data(as_text=True)
    assert 'data-confirm="Gifts are final' in page
    assert "Your first gift earns the Donor badge." in page
    form = {"key": "k-1", "currency": "coin", "amount": "40", "show_name": "y"}
    first = client.post(f"/causes/{cause.id}/donate", data=form)
    second = client.post(f"/causes/{cause.id}/donate", data=form)
    assert first.status_code == second.status_code == 302
    assert balances(ann)["coin"] == 60 and cause_balance(cause.id, "coin") == 40
    assert count("cause_donations") == 1
    page = client.get(f"/causes/{cause.id}").get_data(as_text=True)
    assert "You gave 40 coins to Clean rivers" in page or "already on its way" in page
    assert ">ann<" in page
    assert "Donor" in client.get("/tasks").get_data(as_text=True)
    # the badge is held now: no cause page invites to it any more
    assert "Donor badge" not in page
    other = make_cause("Warm coats")
    assert "Donor badge" not in client.get(f"/causes/{other.id}").get_data(as_text=True)


def test_donate_form_refusals_change_nothing(client: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=10)
    cause = make_cause()
    sign_in(client, "ann")
    resp = client.post(f"/causes/{cause.id}/donate",
                       data={"key": "k-2", "currency": "coin", "amount": "11"},
                       follow_redirects=True)
    assert "Your balance is too low for this gift." in resp.get_data(as_text=True)
    bad = client.post(f"/causes/{cause.id}/donate",
                      data={"key": "k-3", "currency": "coin", "amount": "0"})
    assert bad.status_code == 422
    causes_service.close_cause(None, cause.id)
    db.session.commit()
    resp = client.post(f"/causes/{cause.id}/donate",
                       data={"key": "k-4", "currency": "coin", "amount": "1"},
                       follow_redirects=True)
    assert "This cause is not taking gifts now." in resp.get_data(as_text=True)
    assert balances(ann)["coin"] == 10 and count("cause_donations") == 0


def test_pledge_form(client: Any, make_user: Any) -> None:
    make_user("ann")
    cause = make_cause("Trees")
    sign_in(client, "ann")
    resp = client.post(f"/causes/{cause.id}/pledge", data={"percent": "20"}, follow_redirects=True)
    assert "20% of your credits go to Trees" in resp.get_data(as_text=True)
    assert "Your pledge: 20% of your period credits go to Trees" in client.get(
        "/causes").get_data(as_text=True)
    assert client.post(f"/causes/{cause.id}/pledge", data={"percent": "101"}).status_code == 422
    resp = client.post(f"/causes/{cause.id}/pledge", data={"percent": "0"}, follow_redirects=True)
    assert "Your pledge is removed." in resp.get_data(as_text=True)
    assert count("cause_pledges") == 0


def test_admin_creates_edits_closes_with_image_and_records_payouts(
        client: Any, admin: Any, make_user: Any) -> None:
    from tokenmart.ledger import service as ledger

    sign_in(client, "admin")
    assert 'href="/admin/causes"' in client.get("/admin/").get_data(as_text=True)
    resp = client.post("/admin/causes/new", data={
        "name": "Library", "description": "Books", "goal_coins": "900",
        "image": (io.BytesIO(image_bytes("PNG")), "lib.png")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    cause = db.session.query(Cause).filter_by(name="Library").one()
    assert cause.image_key.startswith(f"causes/{cause.id}/")
    served = client.get(f"/causes/images/{cause.image_key}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert client.get("/causes/images/mall/x.jpg").status_code == 404
    refused = client.post("/admin/causes/new", data={
        "name": "Bad", "image": (io.BytesIO(b"<?php"), "x.jpg")},
        content_type="multipart/form-data")
    assert refused.status_code == 422 and count("causes", "name = 'Bad'") == 0
    resp = client.post(f"/admin/causes/{cause.id}/edit", data={"name": "Library 2",
                                                               "goal_coins": "1000"})
    assert resp.status_code == 302
    ledger.transfer("adjustment", "credit", 700, ledger.MINT,
                    ledger.system(causes_service.account_code(cause.id)), notify=False)
    db.session.commit()
    page = client.get(f"/admin/causes/{cause.id}/payouts").get_data(as_text=True)
    assert "Held now: ¥7.00" in page
    form = {"key": "p-1", "amount": "5.00", "reference": "BANK-77"}
    assert client.post(f"/admin/causes/{cause.id}/payouts", data=form).status_code == 302
    assert client.post(f"/admin/causes/{cause.id}/payouts", data=form).status_code == 302
    assert count("cause_payouts") == 1 and cause_balance(cause.id, "credit") == 200
    too_much = client.post(f"/admin/causes/{cause.id}/payouts",
                           data={"key": "p-2", "amount": "3.00", "reference": "B"})
    assert too_much.status_code == 422
    assert "BANK-77" in client.get(f"/admin/causes/{cause.id}/payouts").get_data(as_text=True)
    assert client.post(f"/admin/causes/{cause.id}/close").status_code == 302
    db.session.expire_all()
    assert causes_service.cause_status(db.session.get(Cause, cause.id)) == "closed"
    make_user("bob")
    sign_in(client, "bob")
    assert client.get("/admin/causes").status_code == 403
