"""Notifications over the API: list, unread count, mark read, owner-only."""

from __future__ import annotations

from typing import Any


def test_list_and_mark_read(api: Any, make_user: Any, admin: Any) -> None:
    alice = make_user("alice")
    for i in range(3):
        api(admin).post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "flower",
                                                 "amount": i + 1, "memo": f"m{i}"}, key=f"k{i}")
    client = api(alice)
    body = client.get("/api/v1/notifications").get_json()
    assert body["unread_count"] == 3
    assert [n["text"] for n in body["items"]][0] == "+3 little red flowers: Adjustment by an admin: m2"
    first_id = body["items"][0]["id"]
    marked = client.post("/api/v1/notifications/read", {"ids": [first_id]}).get_json()
    assert marked == {"marked": 1, "unread_count": 2}
    assert client.post("/api/v1/notifications/read", {}).get_json() == {"marked": 2, "unread_count": 0}
    unread = client.get("/api/v1/notifications?unread=true").get_json()
    assert unread["items"] == []


def test_cannot_mark_someone_elses_notifications(api: Any, make_user: Any, admin: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    api(admin).post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "coin", "amount": 1,
                                             "memo": "x"}, key="a")
    note_id = api(alice).get("/api/v1/notifications").get_json()["items"][0]["id"]
    assert api(bob).post("/api/v1/notifications/read", {"ids": [note_id]}).get_json()["marked"] == 0
    assert api(bob).get("/api/v1/notifications").get_json()["items"] == []
    assert api(alice).get("/api/v1/notifications").get_json()["unread_count"] == 1


def test_grant_api_debit_and_errors(api: Any, make_user: Any, admin: Any) -> None:
    alice = make_user("alice", coin=5)
    admin_api = api(admin)
    ok = admin_api.post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "coin", "amount": -3,
                                                 "memo": "clawback"}, key="d1")
    assert ok.status_code == 201 and ok.get_json()["balance_after"] == 2 and ok.get_json()["id"]
    too_much = admin_api.post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "coin",
                                                       "amount": -3, "memo": "x"}, key="d2")
    assert too_much.status_code == 409
    assert too_much.get_json()["error"]["code"] == "insufficient_balance"
    missing_key = admin_api.post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "coin",
                                                          "amount": 1, "memo": "x"})
    assert missing_key.status_code == 400
    assert missing_key.get_json()["error"]["code"] == "idempotency_key_required"
    reused = admin_api.post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "coin",
                                                     "amount": 2, "memo": "different"}, key="d1")
    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    replay = admin_api.post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "coin",
                                                     "amount": -3, "memo": "clawback"}, key="d1")
    assert replay.status_code == 201 and replay.get_json() == ok.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert api(alice).get("/api/v1/me").get_json()["balances"]["coin"] == 2


def test_idempotency_keys_are_scoped_per_user(api: Any, make_user: Any) -> None:
    a1, a2 = make_user("admin1", roles=["admin"]), make_user("admin2", roles=["admin"])
    target = make_user("target")
    for admin_user in (a1, a2):
        resp = api(admin_user).post("/api/v1/admin/grants", {"user_id": target.id, "currency": "coin",
                                                             "amount": 1, "memo": "same"}, key="shared")
        assert resp.status_code == 201
    assert api(target).get("/api/v1/me").get_json()["balances"]["coin"] == 2


def test_wallet_transactions_filter_by_currency(api: Any, make_user: Any) -> None:
    alice = make_user("alice", coin=2, flower=3)
    body = api(alice).get("/api/v1/wallet/transactions?currency=flower").get_json()
    assert [(i["currency"], i["amount"], i["balance_after"]) for i in body["items"]] == [("flower", 3, 3)]
