"""Demo cards, one of each kind, with members and savings so the pages look alive:
a free card whose member day is today, an earned card for regular check-ins, a paid card,
and the seed's light card (fee ¥10.00, five ¥8.00 coupons: alice used two and would pay
¥10.00, bob used one and would pay ¥8.00)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

ORDER = 80


def _light_pack(admin_id: int | None) -> int:
    from tokenmart.coupons import templates_service

    template = templates_service.create_template(
        actor_id=admin_id, name="轻享卡运费券 ¥8", kind="amount_off", value=800, valid_days=30,
        translations={"en": {"name": "Light card shipping coupon ¥8"}})
    pack = templates_service.create_pack(
        actor_id=admin_id, name="轻享卡礼包：5 张 ¥8 券",
        items=[{"template_id": template.id, "quantity": 5}],
        translations={"en": {"name": "Light card pack: five ¥8 coupons"}})
    return pack.id


def _use_coupons(user_id: int, n: int) -> None:
    from tokenmart.coupons import coupon_service
    from tokenmart.coupons.models import Coupon
    from tokenmart.extensions import db

    codes = list(db.session.execute(
        sa.select(Coupon.code).where(Coupon.user_id == user_id, Coupon.source == "membership",
                                     Coupon.status == "active").order_by(Coupon.id).limit(n)
    ).scalars())
    for code in codes:
        coupon_service.redeem_coupon(code, order_amount_cents=3000, redeemed_by=user_id,
                                     user_id=user_id)


def seed(ctx: Any) -> None:
    from tokenmart.core.clock import local_now
    from tokenmart.errors import DomainError
    from tokenmart.extensions import db
    from tokenmart.ledger import service as ledger
    from tokenmart.membership import conditions, joining, programs

    session = db.session
    admin_id = ctx.admin.id if ctx.admin is not None else None
    today = local_now().isoweekday()
    free = programs.create_card(admin_id, {
        "name": "小红花会员卡", "kind": "free", "tagline": "人人可领 · 每周会员日",
        "translations": {"en": {"name": "Little Red Flower card",
                                "tagline": "Free for everyone · a member day every week"}},
        "color": "#e0393e", "member_day": today,
        "benefits": {"earn_multiplier_percent": 110, "member_discount_percent": 5}})
    earned = programs.create_card(admin_id, {
        "name": "打卡达人卡", "kind": "conditional", "tagline": "累计打卡 3 天自动发放",
        "translations": {"en": {"name": "Check-in Star card",
                                "tagline": "Yours after 3 days of check-ins"}},
        "color": "#1f8a4c", "condition": {"metric": "checkin_days_total", "threshold": 3},
        "benefits": {"earn_multiplier_percent": 150}})
    paid = programs.create_card(admin_id, {
        "name": "金卡", "kind": "paid", "tagline": "90 天 · 商城 9 折", "color": "#b7791f",
        "translations": {"en": {"name": "Gold card", "tagline": "90 days · 10% off in the mall"}},
        "validity_days": 90, "price": 300, "currency": "coin", "member_day": 6,
        "benefits": {"member_discount_percent": 10, "earn_multiplier_percent": 120}})
    lite = programs.create_card(admin_id, {
        "name": "轻享卡", "kind": "light", "tagline": "先享后付 · 省多少付多少，最多 ¥10",
        "translations": {"en": {"name": "Light card",
                                "tagline": "Use now, pay after · pay what you save, at most ¥10"}},
        "color": "#2563eb", "validity_days": 30, "fee_cents": 1000,
        "benefits": {"coupon_pack_id": _light_pack(admin_id), "member_discount_percent": 5}})
    session.commit()

    people = {name: u for name, u in ctx.users.items() if name != "admin"}
    joined = 0
    for user in people.values():
        joining.join_card(free.id, user.id)
        joined += 1
    for name in ("alice", "carol"):
        user = people.get(name)
        if user is None:
            continue
        try:
            joining.join_card(paid.id, user.id, key=f"demo-{name}")
            joined += 1
        except DomainError:
            session.rollback()
    for name, used in (("alice", 2), ("bob", 1)):
        user = people.get(name)
        if user is None:
            continue
        short = 1000 - ledger.balances_of(user.id)["credit"]
        if short > 0:  # a demo top-up, so the light card's hold can be shown
            ledger.transfer("adjustment", "credit", short, ledger.MINT, ledger.user(user.id),
                            memo="轻享卡演示充值 · demo credits for the light card", notify=False)
        joining.join_card(lite.id, user.id)
        _use_coupons(user.id, used)
        joined += 1
    issued = conditions.issue_conditional_cards(None)
    session.commit()
    ctx.step(f"4 membership cards (#{free.id}-#{lite.id}); {joined} joined, {issued} earned "
             f"'{earned.name}' by checking in")
