"""HTTP contract of causes: each row with its status and error codes, and idempotency."""

from __future__ import annotations

from typing import Any

from tests.causes.helpers import cause_balance, count, make_cause, put
from tests.clearing.helpers import balances
from tests.conftest import new_key
from tokenmart.causes import causes_service
from tokenmart.extensions import db


def test_list_causes_shows_the_contract_shape(app: Any, api: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=100)
    cause = make_cause(goal_coins=500)
    api(ann).post(f"/api/v1/causes/{cause.id}/donations", {"currency": "coin", "amount": 40},
                  key=new_key())
    resp = api().get("/api/v1/causes")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert {k: item[k] for k in ("id", "name", "description", "goal_coins", "raised", "donors",
                                 "status")} == {
        "id": cause.id, "name": "Clean rivers", "description": "Help us", "goal_coins": 500,
        "raised": {"coin": 40, "flower": 0}, "donors": 1, "status": "active"}
    assert api().get(f"/api/v1/causes/{cause.id}").get_json()["raised"]["coin"] == 40
    assert api().get("/api/v1/causes/999999").status_code == 404


def test_donate_201_and_replay_gives_the_same_answer_once(app: Any, api: Any,
                                                          make_user: Any) -> None:
    ann = make_user("ann", coin=100)
    cause = make_cause()
    client, key = api(ann), new_key()
    first = client.post(f"/api/v1/causes/{cause.id}/donations",
                        {"currency": "coin", "amount": 30}, key=key)
    again = client.post(f"/api/v1/causes/{cause.id}/donations",
                        {"currency": "coin", "amount": 30}, key=key)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert set(first.get_json()) == {"id", "cause_id", "currency", "amount"}
    assert balances(ann)["coin"] == 70
    assert cause_balance(cause.id, "coin") == 30
    assert count("cause_donations") == 1
    reused = client.post(f"/api/v1/causes/{cause.id}/donations",
                         {"currency": "coin", "amount": 31}, key=key)
    assert (reused.status_code, reused.get_json()["error"]["code"]) == (422,
                                                                       "idempotency_key_reused")


def test_donate_refusals(app: Any, api: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=10)
    cause = make_cause()
    client = api(ann)
    path = f"/api/v1/causes/{cause.id}/donations"
    poor = client.post(path, {"currency": "coin", "amount": 11}, key=new_key())
    assert (poor.status_code, poor.get_json()["error"]["code"]) == (409, "insufficient_balance")
    assert client.post(path, {"currency": "credit", "amount": 1}, key=new_key()).status_code == 422
    assert client.post(path, {"currency": "coin", "amount": 0}, key=new_key()).status_code == 422
    assert client.post(path, {"currency": "coin", "amount": "5"}, key=new_key()).status_code == 422
    assert client.post(path, {"currency": "coin", "amount": 1}).status_code in (400, 422)  # no key
    assert api().post(path, {"currency": "coin", "amount": 1}, key=new_key()).status_code == 401
    assert client.post("/api/v1/causes/999999/donations", {"currency": "coin", "amount": 1},
                       key=new_key()).status_code == 404
    causes_service.close_cause(None, cause.id)
    db.session.commit()
    closed = client.post(path, {"currency": "coin", "amount": 1}, key=new_key())
    assert (closed.status_code, closed.get_json()["error"]["code"]) == (409, "cause_closed")
    assert balances(ann)["coin"] == 10 and count("cause_donations") == 0


def test_put_pledge(app: Any, api: Any, make_user: Any) -> None:
    ann = make_user("ann")
    cause = make_cause()
    client = api(ann)
    resp = put(client, "/api/v1/me/pledge", {"cause_id": cause.id, "percent": 15})
    assert (resp.status_code, resp.get_json()) == (200, {"cause_id": cause.id, "percent": 15})
    assert client.get("/api/v1/me/pledge").get_json() == {"cause_id": cause.id, "percent": 15}
    assert put(client, "/api/v1/me/pledge", {"cause_id": 999999, "percent": 5}).status_code == 404
    for bad in ({"cause_id": cause.id, "percent": 101}, {"cause_id": cause.id},
                {"cause_id": cause.id, "percent": -1}, {"cause_id": "x", "percent": 5}):
        resp = put(client, "/api/v1/me/pledge", bad)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "validation_error")
    resp = put(client, "/api/v1/me/pledge", {"cause_id": cause.id, "percent": 0})
    assert (resp.status_code, resp.get_json()) == (200, {"cause_id": None, "percent": 0})
    assert count("cause_pledges") == 0
    assert put(api(), "/api/v1/me/pledge", {"cause_id": cause.id, "percent": 5}).status_code == 401


def test_admin_create_cause(app: Any, api: Any, admin: Any, make_user: Any) -> None:
    resp = api(admin).post("/api/v1/admin/causes", {
        "name": "Books for schools", "description": "Every coin buys a page", "goal_coins": 5000,
        "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["id"] and body["status"] == "active" and body["goal_coins"] == 5000
    assert body["raised"] == {"coin": 0, "flower": 0} and body["donors"] == 0
    for bad in ({}, {"name": ""}, {"name": "x", "goal_coins": 0},
                {"name": "x", "starts_at": "2030-01-01T00:00:00Z",
                 "ends_at": "2029-01-01T00:00:00Z"},
                {"name": "x", "starts_at": "not a date"}):
        resp = api(admin).post("/api/v1/admin/causes", bad)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "validation_error")
    assert api(make_user("bob")).post("/api/v1/admin/causes", {"name": "x"}).status_code == 403
    edited = api(admin).patch(f"/api/v1/admin/causes/{body['id']}", {"goal_coins": 6000})
    assert edited.status_code == 200 and edited.get_json()["goal_coins"] == 6000
    closed = api(admin).post(f"/api/v1/admin/causes/{body['id']}/close")
    assert closed.get_json()["status"] == "closed"


def test_admin_payout_like_a_cashout(app: Any, api: Any, admin: Any) -> None:
    from tokenmart.ledger import service as ledger

    cause = make_cause()
    ledger.transfer("adjustment", "credit", 500, ledger.MINT,
                    ledger.system(causes_service.account_code(cause.id)), notify=False)
    db.session.commit()
    client, key = api(admin), new_key()
    path = f"/api/v1/admin/causes/{cause.id}/payouts"
    too_much = client.post(path, {"amount_cents": 501, "reference": "BANK-1"}, key=new_key())
    assert (too_much.status_code, too_much.get_json()["error"]["code"]) == (
        409, "insufficient_balance")
    first = client.post(path, {"amount_cents": 300, "reference": "BANK-1"}, key=key)
    again = client.post(path, {"amount_cents": 300, "reference": "BANK-1"}, key=key)
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert cause_balance(cause.id, "credit") == 200
    assert ledger.system_balance("paid_out", "credit") == 300
    assert client.post(path, {"amount_cents": 1, "reference": ""}, key=new_key()).status_code == 422
