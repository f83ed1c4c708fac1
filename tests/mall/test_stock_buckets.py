"""Hot rewards past one row's lock: stock spread over N bucket rows (SPEC §15).

A redemption takes one unit from one bucket with stock; exactly min(stock, demand)
succeed even when some buckets are empty and others are locked by buyers who may still
roll back. Races run with real threads over HTTP, on both databases.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import new_key
from tests.mall.test_redeem_concurrency import _race
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of, system_balance
from tokenmart.mall import admin_service
from tokenmart.mall.models import Redemption, Reward, RewardStockBucket


def _buckets(reward_id: int) -> list[int]:
    db.session.expire_all()
    return list(db.session.execute(
        sa.select(RewardStockBucket.stock).where(RewardStockBucket.reward_id == reward_id)
        .order_by(RewardStockBucket.bucket)).scalars())


def _stock(reward_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(Reward, reward_id).stock


def _redeem(api: Any, user: Any, reward_id: int) -> Any:
    return api(user).post(f"/api/v1/rewards/{reward_id}/redemptions",
                          {"shipping_address": "1 Road"}, key=new_key())


def test_create_spreads_stock_and_shows_the_sum(make_reward, api):
    reward = make_reward("Hot mug", stock=10, stock_buckets=4)

    assert _buckets(reward.id) == [3, 3, 2, 2]
    assert reward.stock_buckets == 4 and _stock(reward.id) == 10
    shown = api().get(f"/api/v1/rewards/{reward.id}").json
    assert (shown["stock"], shown["stock_buckets"]) == (10, 4)
    listed = api().get("/api/v1/rewards").json["items"]
    assert [(r["stock"], r["stock_buckets"]) for r in listed] == [(10, 4)]


def test_one_bucket_keeps_the_single_row(make_reward):
    reward = make_reward("Plain", stock=5)

    assert reward.stock_buckets == 1 and _buckets(reward.id) == []
    assert _stock(reward.id) == 5


def test_redemptions_take_from_buckets_until_all_are_empty(make_reward, make_user, api):
    # 3 units over 8 buckets: five buckets are empty from the start
    reward = make_reward("Sparse", price=1, stock=3, stock_buckets=8)
    assert sorted(_buckets(reward.id)) == [0, 0, 0, 0, 0, 1, 1, 1]
    buyer = make_user("sparse", flower=50)

    codes = [_redeem(api, buyer, reward.id).status_code for _ in range(5)]

    assert codes == [201, 201, 201, 409, 409]
    assert _buckets(reward.id) == [0] * 8
    assert _stock(reward.id) == 0
    assert balances_of(buyer.id)["flower"] == 47
    page = api().get(f"/api/v1/rewards/{reward.id}").json
    assert page["stock"] == 0


def test_race_across_buckets_with_some_empty_gives_exactly_the_stock(
        app, make_reward, make_user, token_for):
    reward = make_reward("Hot", price=10, stock=7, stock_buckets=16)  # nine buckets empty
    users = [make_user(f"racer{i}", flower=30) for i in range(12)]
    tokens = {u.id: token_for(u) for u in users}
    path = f"/api/v1/rewards/{reward.id}/redemptions"
    calls = [(tokens[u.id], path, {"shipping_address": "x"}, new_key()) for u in users * 2]

    results = _race(app, calls)

    statuses = Counter(code for code, _ in results)
    assert statuses == {201: 7, 409: 17}, results
    assert {body["error"]["code"] for code, body in results if code == 409} == {"out_of_stock"}
    assert _buckets(reward.id) == [0] * 16
    assert _stock(reward.id) == 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar() == 7
    assert sum(balances_of(u.id)["flower"] for u in users) == 12 * 30 - 70
    assert system_balance("burn", "flower") == 70


def test_demand_below_stock_all_succeed(app, make_reward, make_user, token_for):
    reward = make_reward("Plenty", price=1, stock=40, stock_buckets=16)
    users = [make_user(f"few{i}", flower=5) for i in range(10)]
    path = f"/api/v1/rewards/{reward.id}/redemptions"

    results = _race(app, [(token_for(u), path, {"shipping_address": "x"}, new_key())
                          for u in users])

    assert Counter(code for code, _ in results) == {201: 10}
    assert sum(_buckets(reward.id)) == 30 and _stock(reward.id) == 30
    assert min(_buckets(reward.id)) >= 0


@pytest.mark.postgres
def test_a_locked_bucket_is_waited_for_not_reported_sold_out(
        app, is_postgres, make_reward, make_user, api):
    """SKIP LOCKED alone would say "sold out" while the only unit is locked by a buyer
    who then rolls back; the redemption must wait and get it."""
    if not is_postgres:
        pytest.skip("row locks: PostgreSQL only (SQLite serialises writers)")
    reward = make_reward("Last one", price=1, stock=1, stock_buckets=4)
    buyer = make_user("patient", flower=5)
    client = api(buyer)
    db.session.commit()
    holder = db.engine.connect()
    holder.execute(sa.text(
        "SELECT stock FROM reward_stock_buckets WHERE reward_id = :r AND stock > 0 FOR UPDATE"),
        {"r": reward.id})
    result: dict[str, Any] = {}

    def buy() -> None:
        with app.app_context():
            result["response"] = client.client.post(
                f"/api/v1/rewards/{reward.id}/redemptions", json={"shipping_address": "x"},
                headers={"Authorization": f"Bearer {client.token}",
                         "Idempotency-Key": new_key()})

    thread = threading.Thread(target=buy)
    thread.start()
    time.sleep(0.5)
    assert "response" not in result  # waiting on the lock, not refused
    holder.rollback()  # the other buyer gave up
    holder.close()
    thread.join(30)

    assert result["response"].status_code == 201, result["response"].get_json()
    assert _buckets(reward.id) == [0, 0, 0, 0]


def test_admin_restock_and_rebucket(api, admin, make_reward):
    reward = make_reward("Lamp", price=10, stock=3)
    client = api(admin)

    spread = client.patch(f"/api/v1/admin/rewards/{reward.id}",
                          {"stock": 30, "stock_buckets": 3})
    assert (spread.status_code, spread.json["stock"], spread.json["stock_buckets"]) == (
        200, 30, 3)
    assert _buckets(reward.id) == [10, 10, 10]

    more = client.patch(f"/api/v1/admin/rewards/{reward.id}", {"stock_buckets": 4})
    assert (more.json["stock"], more.json["stock_buckets"]) == (30, 4)
    assert _buckets(reward.id) == [8, 8, 7, 7]

    restock = client.patch(f"/api/v1/admin/rewards/{reward.id}", {"stock": 9})
    assert restock.json["stock"] == 9 and _buckets(reward.id) == [3, 2, 2, 2]

    single = client.patch(f"/api/v1/admin/rewards/{reward.id}", {"stock_buckets": 1})
    assert (single.json["stock"], single.json["stock_buckets"]) == (9, 1)
    assert _buckets(reward.id) == []
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stored_stock == 9

    unlimited = client.patch(f"/api/v1/admin/rewards/{reward.id}",
                             {"stock": None, "stock_buckets": 8})
    assert (unlimited.json["stock"], unlimited.json["stock_buckets"]) == (None, 8)
    assert _buckets(reward.id) == []


def test_bucket_count_is_validated(api, admin, make_reward):
    client = api(admin)
    base = {"name": "B", "currency": "coin", "price": 1, "stock": 5, "grant": {"type": "physical"}}
    for bad in (0, 65, "4", 2.5):
        resp = client.post("/api/v1/admin/rewards", {**base, "stock_buckets": bad})
        assert resp.status_code == 422, bad
        assert "stock_buckets" in resp.json["error"]["details"]["fields"]
    voucher = client.post("/api/v1/admin/rewards", {
        "name": "V", "currency": "coin", "price": 1, "stock_buckets": 2,
        "grant": {"type": "voucher_codes", "codes": ["A"]}})
    assert voucher.status_code == 422
    assert "stock_buckets" in voucher.json["error"]["details"]["fields"]


def test_set_stock_service_splits_and_never_goes_negative(app, make_reward):
    reward = make_reward("Split", stock=0, stock_buckets=5)
    assert _buckets(reward.id) == [0] * 5
    admin_service.set_stock(reward, 7, 5)
    db.session.commit()
    assert _buckets(reward.id) == [2, 2, 1, 1, 1] and _stock(reward.id) == 7
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(RewardStockBucket)
                           .where(RewardStockBucket.reward_id == reward.id)
                           .values(stock=RewardStockBucket.stock - 3))
        db.session.flush()
    db.session.rollback()


def test_admin_form_takes_stock_buckets(client, admin, make_user):
    from tests.conftest import PASSWORD

    resp = client.post("/login", data={"username": admin.username, "password": PASSWORD})
    assert resp.status_code in (302, 303)
    page = client.get("/admin/mall/rewards/new")
    assert page.status_code == 200 and b'name="stock_buckets"' in page.data
    created = client.post("/admin/mall/rewards/new", data={
        "name": "Form mug", "currency": "coin", "price": "5", "stock": "20",
        "stock_buckets": "4", "grant_type": "physical", "active": "y"})
    assert created.status_code in (302, 303), created.data[:2000]
    reward = db.session.execute(sa.select(Reward).where(Reward.name == "Form mug")).scalar_one()
    assert reward.stock_buckets == 4 and _buckets(reward.id) == [5, 5, 5, 5]
    listing = client.get("/admin/mall/rewards")
    assert b"Form mug" in listing.data and b">20<" in listing.data
