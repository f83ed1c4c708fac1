"""Templates, claims, packs, discounts, redemption, return and expiry (service level)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from tokenmart.coupons import service
from tokenmart.coupons.coupon_service import (
    CODE_ALPHABET,
    CODE_LENGTH,
    claim_coupon,
    claim_pack,
    list_coupons,
)
from tokenmart.coupons.errors import (
    BelowMinSpend,
    CouponNotActive,
    LimitReached,
    NotEligible,
    SoldOut,
    TemplateEnded,
)
from tokenmart.coupons.models import Coupon, CouponTemplate
from tokenmart.coupons.templates_service import create_pack
from tokenmart.errors import NotFound, ValidationError
from tokenmart.extensions import db

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def coupon_count(user_id: int | None = None) -> int:
    query = sa.select(sa.func.count(Coupon.id))
    if user_id is not None:
        query = query.where(Coupon.user_id == user_id)
    return db.session.execute(query).scalar_one()


def test_claim_issues_unguessable_code_with_contract_shape(make_user: Any, make_template: Any) -> None:
    alice = make_user("alice")
    template = make_template(valid_days=7)
    with time_machine.travel(NOW, tick=False):
        coupon = claim_coupon(template.id, alice.id)
        db.session.commit()
        # the status is the one a user sees at that moment; read it while NOW still holds
        # (outside, the coupon's 7 days ran out on 2026-11-29 and it reads "expired")
        data = service.coupon_json(coupon)
    assert len(coupon.code) == CODE_LENGTH and set(coupon.code) <= set(CODE_ALPHABET)
    other = service.issue_coupon(template.id, alice.id, source="grant")
    assert other.code != coupon.code
    assert data == {"id": coupon.id, "code": coupon.code, "template_id": template.id,
                    "name": "5 off", "translations": {}, "kind": "amount_off", "value": 500,
                    "status": "active",
                    "expires_at": (NOW + timedelta(days=7)).isoformat()}


def test_claim_respects_per_user_limit(make_user: Any, make_template: Any) -> None:
    alice = make_user("alice")
    template = make_template(per_user_limit=2)
    claim_coupon(template.id, alice.id)
    claim_coupon(template.id, alice.id)
    with pytest.raises(LimitReached) as err:
        claim_coupon(template.id, alice.id)
    assert (err.value.status, err.value.code) == (403, "limit_reached")
    db.session.commit()
    assert coupon_count(alice.id) == 2


def test_claim_respects_total_quantity(make_user: Any, make_template: Any) -> None:
    template = make_template(total_quantity=2)
    users = [make_user(f"user{i}") for i in range(3)]
    claim_coupon(template.id, users[0].id)
    claim_coupon(template.id, users[1].id)
    with pytest.raises(SoldOut) as err:
        claim_coupon(template.id, users[2].id)
    assert (err.value.status, err.value.code) == (409, "sold_out")
    db.session.commit()
    assert coupon_count() == 2
    # the failed claim did not use up the user's limit: after a restock it works
    template.total_quantity = 3
    db.session.commit()
    claim_coupon(template.id, users[2].id)
    assert coupon_count() == 3


def test_claim_eligibility_min_tier_and_new_users(make_user: Any, make_template: Any) -> None:
    gold_only = make_template(min_tier="gold")
    member = make_user("member")
    with pytest.raises(NotEligible) as err:
        claim_coupon(gold_only.id, member.id)
    assert (err.value.status, err.value.code) == (403, "not_eligible")
    member.tier = "platinum"
    db.session.commit()
    assert claim_coupon(gold_only.id, member.id).template_id == gold_only.id

    newcomers = make_template(new_users_only=True)
    with time_machine.travel(NOW, tick=False):
        old = make_user("old")
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        fresh = make_user("fresh")
        assert claim_coupon(newcomers.id, fresh.id).user_id == fresh.id
        with pytest.raises(NotEligible):
            claim_coupon(newcomers.id, old.id)


def test_not_claimable_template_is_not_offered_but_issue_bypasses(make_user: Any,
                                                                 make_template: Any) -> None:
    alice = make_user("alice")
    hidden = make_template(claimable=False, total_quantity=1)
    with pytest.raises(NotFound):
        claim_coupon(hidden.id, alice.id)
    coupon = service.issue_coupon(hidden.id, alice.id, source="redemption", source_ref="r1")
    assert (coupon.source, coupon.source_ref) == ("redemption", "r1")
    with pytest.raises(SoldOut):
        service.issue_coupon(hidden.id, alice.id, source="redemption")
    with pytest.raises(NotFound):
        service.issue_coupon(9999, alice.id, source="grant")


def test_issue_refuses_ended_template(make_user: Any, make_template: Any) -> None:
    alice = make_user("alice")
    template = make_template(ends_at=NOW + timedelta(days=1))
    with time_machine.travel(NOW + timedelta(days=2), tick=False), pytest.raises(TemplateEnded):
        service.issue_coupon(template.id, alice.id, source="grant")


def test_pack_is_all_or_nothing(make_user: Any, make_template: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    plenty = make_template(name="plenty")
    scarce = make_template(name="scarce", total_quantity=1)
    pack = create_pack(actor_id=None, name="Welcome", claimable=True,
                       items=[{"template_id": plenty.id, "quantity": 2},
                              {"template_id": scarce.id}])
    db.session.commit()
    issued = claim_pack(pack.id, alice.id)
    assert sorted(c.template.name for c in issued) == ["plenty", "plenty", "scarce"]
    with pytest.raises(SoldOut):
        service.issue_pack(pack.id, bob.id, source="redemption")
    db.session.commit()
    assert coupon_count(bob.id) == 0
    assert db.session.get(CouponTemplate, plenty.id).issued_count == 2
    with pytest.raises(LimitReached):
        claim_pack(pack.id, alice.id)


def test_discount_kinds_and_min_spend(make_user: Any, make_template: Any) -> None:
    alice = make_user("alice")
    amount = service.issue_coupon(make_template(value=500, min_spend_cents=3000).id, alice.id,
                                  source="grant")
    percent = service.issue_coupon(make_template(kind="percent_off", value=15).id, alice.id,
                                   source="grant")
    shipping = service.issue_coupon(make_template(kind="free_shipping", value=0).id, alice.id,
                                    source="grant")
    assert service.quote_discount(amount.code, alice.id, 3000) == 500
    assert service.quote_discount(amount.code, None, 10000) == 500
    with pytest.raises(BelowMinSpend) as err:
        service.quote_discount(amount.code, alice.id, 2999)
    assert (err.value.status, err.value.code) == (422, "below_min_spend")
    assert service.quote_discount(percent.code, alice.id, 1999) == 299  # rounded down
    assert service.quote_discount(shipping.code, alice.id, 100, shipping_fee_cents=800) == 800
    # barter: applied to the shipping fee
    assert service.quote_discount(amount.code, alice.id, 5000, shipping_fee_cents=300) == 300
    assert service.quote_discount(percent.code, alice.id, 5000, shipping_fee_cents=800) == 120
    # codes are accepted as people type them
    typed = "-".join(amount.code[i:i + 4] for i in range(0, 16, 4)).lower()
    assert service.quote_discount(typed, alice.id, 3000) == 500
    with pytest.raises(ValidationError):
        service.quote_discount(amount.code, alice.id, -1)


def test_quote_hides_other_users_coupons(make_user: Any, make_template: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    coupon = service.issue_coupon(make_template().id, alice.id, source="grant")
    with pytest.raises(NotFound):
        service.quote_discount(coupon.code, bob.id, 1000)
    with pytest.raises(NotFound):
        service.quote_discount("NOPE", None, 1000)


def test_redeem_once_then_return(make_user: Any, make_template: Any) -> None:
    alice, merchant = make_user("alice"), make_user("shop", roles=["merchant"])
    coupon = service.issue_coupon(make_template(value=700).id, alice.id, source="grant")
    db.session.commit()
    redeemed, discount = service.redeem_coupon(coupon.code, order_amount_cents=5000,
                                               redeemed_by=merchant.id)
    db.session.commit()
    assert discount == 700
    assert (redeemed.status, redeemed.redeemed_by, redeemed.discount_cents) == (
        "redeemed", merchant.id, 700)
    with pytest.raises(CouponNotActive) as err:
        service.redeem_coupon(coupon.code, order_amount_cents=5000, redeemed_by=merchant.id)
    assert (err.value.status, err.value.code) == (409, "coupon_not_active")
    returned = service.return_coupon(coupon.code)
    db.session.commit()
    assert (returned.status, returned.redeemed_at) == ("active", None)
    assert service.return_coupon(coupon.code).status == "active"  # repeat is harmless
    _, again = service.redeem_coupon(coupon.code, order_amount_cents=900, redeemed_by=merchant.id,
                                     user_id=alice.id)
    assert again == 700


def test_expired_coupon_cannot_be_redeemed_and_returns_expired(make_user: Any,
                                                               make_template: Any) -> None:
    alice = make_user("alice")
    template = make_template(valid_days=1)
    with time_machine.travel(NOW, tick=False):
        coupon = service.issue_coupon(template.id, alice.id, source="grant")
        kept = service.issue_coupon(template.id, alice.id, source="grant")
        service.redeem_coupon(kept.code, order_amount_cents=1000, redeemed_by=alice.id)
        db.session.commit()
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert service.coupon_json(coupon)["status"] == "expired"  # before the job ran
        with pytest.raises(CouponNotActive):
            service.redeem_coupon(coupon.code, order_amount_cents=1000, redeemed_by=alice.id)
        assert service.return_coupon(kept.code).status == "expired"
        assert service.expire_coupons() == 1
        assert service.expire_coupons() == 0
        db.session.commit()
        assert db.session.get(Coupon, coupon.id).status == "expired"
        assert [c.id for c in list_coupons(alice.id, "expired", None, 10).items] == [
            kept.id, coupon.id]
        assert list_coupons(alice.id, "active", None, 10).items == []


def test_coupon_not_valid_before_window(make_user: Any, make_template: Any) -> None:
    alice = make_user("alice")
    template = make_template(starts_at=NOW + timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        coupon = service.issue_coupon(template.id, alice.id, source="grant")
        with pytest.raises(CouponNotActive):
            service.quote_discount(coupon.code, alice.id, 1000)
    with time_machine.travel(NOW + timedelta(days=1, seconds=1), tick=False):
        assert service.quote_discount(coupon.code, alice.id, 1000) == 500


def test_void_coupon(make_user: Any, make_template: Any, admin: Any) -> None:
    alice = make_user("alice")
    coupon = service.issue_coupon(make_template().id, alice.id, source="grant")
    assert service.void_coupon(coupon.code, actor_id=admin.id).status == "voided"
    with pytest.raises(CouponNotActive):
        service.void_coupon(coupon.code, actor_id=admin.id)
    with pytest.raises(CouponNotActive):
        service.quote_discount(coupon.code, alice.id, 1000)
