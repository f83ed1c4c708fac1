"""The load-test auditor passes a sound run and fails loudly on a broken build."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from loadtests.audit import audit, audit_connection
from tests.conftest import new_key
from tokenmart.extensions import db
from tokenmart.mall import redeem_service


def _redeem_all(api: Any, users: list[Any], reward: Any, body: dict[str, Any]) -> list[int]:
    path = f"/api/v1/rewards/{reward.id}/redemptions"
    return [api(u).post(path, body, key=new_key()).status_code for u in users]


def _audit() -> list[str]:
    db.session.commit()
    with db.engine.connect() as conn:
        return audit_connection(conn, _audit.initial)  # type: ignore[attr-defined]


@pytest.fixture
def shop(make_user, make_reward, api) -> dict[str, Any]:
    users = [make_user(f"auditee{i}", flower=20) for i in range(5)]
    hot = make_reward("Hot", price=3, stock=3)
    voucher = make_reward("Codes", price=2, grant="voucher_codes", codes=["A", "B", "C", "D"])
    _audit.initial = {str(hot.id): 3, str(voucher.id): 4}  # type: ignore[attr-defined]
    return {"users": users, "hot": hot, "voucher": voucher}


def test_audit_is_clean_after_a_sound_run(shop, api, database_url):
    assert _redeem_all(api, shop["users"], shop["hot"], {"shipping_address": "x"}) == \
        [201, 201, 201, 409, 409]
    assert _redeem_all(api, shop["users"], shop["voucher"], {}) == [201, 201, 201, 201, 409]
    assert _audit() == []
    assert audit(database_url, _audit.initial) == []  # type: ignore[attr-defined]


def test_audit_catches_a_build_that_forgets_the_stock(shop, api, monkeypatch):
    monkeypatch.setattr(redeem_service, "_take_stock", lambda reward_id: None)  # the broken build
    assert _redeem_all(api, shop["users"], shop["hot"], {"shipping_address": "x"}) == [201] * 5
    problems = _audit()
    assert any(p.startswith(f"stock: reward {shop['hot'].id} started with 3") for p in problems)


def test_audit_catches_a_code_handed_out_twice(shop, api):
    _redeem_all(api, shop["users"][:2], shop["voucher"], {})
    db.session.execute(sa.text("UPDATE redemptions SET voucher_code = 'A'"))
    problems = _audit()
    assert "voucher: code A was handed out 2 times" in problems


def test_audit_catches_an_effect_without_its_key(shop, api):
    _redeem_all(api, shop["users"][:1], shop["hot"], {"shipping_address": "x"})
    # a second effect of the same request: the service ran again outside @idempotent
    user = shop["users"][0]
    redeem_service.redeem_reward(shop["hot"].id, user.id, "member", "x")
    problems = _audit()
    assert any(p.startswith("idempotency: 2 redemptions but 1 keys") for p in problems)
    assert any(p.startswith("stock:") for p in problems) is False
