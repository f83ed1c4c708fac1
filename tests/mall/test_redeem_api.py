"""POST /api/v1/rewards/{id}/redemptions: every outcome of the contract, over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from tests.conftest import new_key
from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.ledger.service import BURN, balances_of, system_balance
from tokenmart.mall.models import Redemption, Reward, RewardUserCount


def _url(reward: Any) -> str:
    return f"/api/v1/rewards/{reward.id}/redemptions"


def test_redeem_voucher_debits_takes_stock_and_grants_code(make_user, make_reward, api):
    alice = make_user("alice", flower=50)
    reward = make_reward("Coffee", price=20, grant="voucher_codes", codes=["C-1", "C-2"])
    assert reward.stock == 2

    resp = api(alice).post(_url(reward), {}, key=new_key())

    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body == {"id": body["id"], "price": 20, "currency": "flower", "balance_after": 30,
                    "grant": {"type": "voucher_codes", "voucher_code": "C-1"}}
    assert balances_of(alice.id)["flower"] == 30
    assert system_balance("burn", "flower") == 20
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 1
    mine = api(alice).get("/api/v1/redemptions").json["items"]
    assert [r["grant"]["voucher_code"] for r in mine] == ["C-1"]


def test_redeem_physical_needs_address_and_is_pending(make_user, make_reward, api):
    bob = make_user("bob", coin=100)
    reward = make_reward("Mug", price=60, currency="coin", grant="physical", stock=3)
    client = api(bob)

    missing = client.post(_url(reward), {}, key=new_key())
    assert missing.status_code == 422
    assert "shipping_address" in missing.json["error"]["details"]["fields"]

    ok = client.post(_url(reward), {"shipping_address": "1 Nanjing Rd, Shanghai"}, key=new_key())
    assert ok.status_code == 201
    assert ok.json["grant"] == {"type": "physical", "shipping_status": "pending",
                                "tracking_no": None}
    assert ok.json["balance_after"] == 40
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 2


def test_tier_price_is_charged(make_user, make_reward, api):
    gold = make_user("goldie", flower=100)
    gold.tier = "gold"
    db.session.commit()
    reward = make_reward(price=50, tier_prices={"gold": 35, "platinum": 30}, stock=None)
    resp = api(gold).post(_url(reward), {"shipping_address": "x"}, key=new_key())
    assert resp.status_code == 201
    assert (resp.json["price"], resp.json["balance_after"]) == (35, 65)


def test_errors_of_the_contract(make_user, make_reward, api):
    poor = make_user("poor", flower=5)
    rich = make_user("rich", flower=500)
    reward = make_reward(price=10, stock=1, per_user_limit=1)

    assert api(rich).post("/api/v1/rewards/999/redemptions", {}, key=new_key()).status_code == 404
    no_key = api(rich).post(_url(reward), {"shipping_address": "x"})
    assert (no_key.status_code, no_key.json["error"]["code"]) == (400, "idempotency_key_required")
    assert api().post(_url(reward), {}, key=new_key()).status_code == 401

    broke = api(poor).post(_url(reward), {"shipping_address": "x"}, key=new_key())
    assert (broke.status_code, broke.json["error"]["code"]) == (409, "insufficient_balance")
    # the refusal left nothing behind: no stock taken, no limit counted
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 1
    assert db.session.execute(sa.select(sa.func.count()).select_from(RewardUserCount)).scalar() == 0

    key = new_key()
    first = api(rich).post(_url(reward), {"shipping_address": "x"}, key=key)
    assert first.status_code == 201
    reused = api(rich).post(_url(reward), {"shipping_address": "elsewhere"}, key=key)
    assert (reused.status_code, reused.json["error"]["code"]) == (422, "idempotency_key_reused")

    sold = api(poor).post(_url(reward), {"shipping_address": "x"}, key=new_key())
    assert (sold.status_code, sold.json["error"]["code"]) == (409, "out_of_stock")
    assert balances_of(rich.id)["flower"] == 490
    assert balances_of(poor.id)["flower"] == 5


def test_limit_reached_is_403(make_user, make_reward, api):
    carol = make_user("carol", flower=100)
    reward = make_reward(price=10, stock=None, per_user_limit=2)
    client = api(carol)
    codes = [client.post(_url(reward), {"shipping_address": "x"}, key=new_key()).status_code
             for _ in range(3)]
    assert codes == [201, 201, 403]
    third = client.post(_url(reward), {"shipping_address": "x"}, key=new_key())
    assert third.json["error"]["code"] == "limit_reached"
    assert balances_of(carol.id)["flower"] == 80


def test_inactive_and_out_of_window_are_404(make_user, make_reward, api, admin):
    dave = make_user("dave", flower=100)
    later = make_reward("Later", starts_at=utcnow() + timedelta(days=1))
    over = make_reward("Over", ends_at=utcnow() - timedelta(seconds=1))
    off = make_reward("Off")
    assert api(admin).post(f"/api/v1/admin/rewards/{off.id}/deactivate").status_code == 200
    for reward in (later, over, off):
        resp = api(dave).post(_url(reward), {"shipping_address": "x"}, key=new_key())
        assert resp.status_code == 404, reward.name
    listed = {r["name"] for r in api().get("/api/v1/rewards").json["items"]}
    assert listed.isdisjoint({"Later", "Over", "Off"})
    assert balances_of(dave.id)["flower"] == 100


def test_replay_returns_first_response_and_does_nothing_more(make_user, make_reward, api):
    erin = make_user("erin", flower=100)
    reward = make_reward(price=10, stock=10)
    key = new_key()
    first = api(erin).post(_url(reward), {"shipping_address": "x"}, key=key)
    again = api(erin).post(_url(reward), {"shipping_address": "x"}, key=key)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar() == 1
    assert balances_of(erin.id)["flower"] == 90
    assert system_balance(BURN.code, "flower") == 10


def test_redeem_body_errors_have_the_api_shapes(make_user, make_reward, api):
    """The hot path parses its body by hand (core.api.json_body): same errors as elsewhere."""
    user = make_user("bodycheck", flower=100)
    reward = make_reward(price=10, stock=5)
    client = api(user)
    path = f"/api/v1/rewards/{reward.id}/redemptions"
    malformed = client.post(path, data=b'{"shipping_address": ',
                            content_type="application/json", key=new_key())
    assert (malformed.status_code, malformed.json["error"]["code"]) == (400, "bad_request")
    wrong_type = client.post(path, {"shipping_address": 12}, key=new_key())
    assert (wrong_type.status_code, wrong_type.json["error"]["code"]) == (422, "validation_error")
    assert set(wrong_type.json["error"]["details"]["fields"]) == {"shipping_address"}
    unknown = client.post(path, {"shipping_address": "1 Road", "x": 1}, key=new_key())
    assert unknown.status_code == 422 and "x" in unknown.json["error"]["details"]["fields"]
    not_an_object = client.post(path, ["1 Road"], key=new_key())
    assert not_an_object.status_code == 422
    # none of the refusals moved anything; a good body still redeems
    assert client.get("/api/v1/me").json["balances"]["flower"] == 100
    assert client.post(path, {"shipping_address": "1 Road"}, key=new_key()).status_code == 201
