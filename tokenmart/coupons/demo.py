"""Demo coupons: claimable templates (one in Chinese), a welcome pack, and two running
campaigns (English and Chinese), each with a drive.

Every name, title and description is translated into the other language, so a Chinese
page shows Chinese and an English page English (core.content_i18n).
"""

from __future__ import annotations

from typing import Any

from tokenmart.extensions import db

ORDER = 40


def seed(ctx: Any) -> None:
    from tokenmart.coupons import campaigns_service as campaigns
    from tokenmart.coupons import coupon_service as coupons
    from tokenmart.coupons import templates_service as catalog

    admin_id = ctx.admin.id if ctx.admin is not None else None
    five_off = catalog.create_template(
        actor_id=admin_id, name="¥5 off orders over ¥30", kind="amount_off", value=500,
        min_spend_cents=3000, valid_days=30, total_quantity=500, claimable=True,
        translations={"zh_Hans": {"name": "满¥30减¥5"}})
    ten_pct = catalog.create_template(
        actor_id=admin_id, name="10% off for gold members", kind="percent_off", value=10,
        valid_days=14, claimable=True, min_tier="gold",
        translations={"zh_Hans": {"name": "黄金会员九折券"}})
    shipping = catalog.create_template(
        actor_id=admin_id, name="Free shipping on a swap", kind="free_shipping", value=0,
        valid_days=30, translations={"zh_Hans": {"name": "以物换物免运费券"}})
    unlock = catalog.create_template(
        actor_id=admin_id, name="¥20 off, unlocked by friends", kind="amount_off", value=2000,
        min_spend_cents=5000, valid_days=7,
        translations={"zh_Hans": {"name": "好友助力：立减¥20"}})
    thanks = catalog.create_template(
        actor_id=admin_id, name="¥1 thank-you coupon", kind="amount_off", value=100,
        valid_days=7, translations={"zh_Hans": {"name": "¥1 感谢券"}})
    # content in both languages, as on a real Chinese-and-English marketplace
    newcomer = catalog.create_template(
        actor_id=admin_id, name="新人专享：满¥20减¥3", kind="amount_off", value=300,
        min_spend_cents=2000, valid_days=14, total_quantity=200, claimable=True,
        new_users_only=True, translations={"en": {"name": "New members: ¥3 off ¥20"}})
    free_post = catalog.create_template(
        actor_id=admin_id, name="好友助力免运费券", kind="free_shipping", value=0, valid_days=14,
        translations={"en": {"name": "Free shipping, unlocked by friends"}})
    welcome = catalog.create_pack(
        actor_id=admin_id, name="Welcome pack", claimable=True,
        items=[{"template_id": shipping.id}, {"template_id": five_off.id}],
        translations={"zh_Hans": {"name": "新人礼包"}})
    db.session.commit()
    ctx.step(f"coupon templates #{five_off.id}-#{free_post.id} (#{newcomer.id} in Chinese) "
             f"and pack '{welcome.name}'")

    campaign = campaigns.create_campaign(
        actor_id=admin_id, title="Ask 3 friends: ¥20 off", template_id=unlock.id,
        required_assists=3, drive_hours=24, assist_reward_coins=10,
        assist_template_id=thanks.id,
        description="Start a drive, share the link, and when 3 friends help the coupon is yours.",
        translations={"zh_Hans": {"title": "邀请 3 位好友，立减¥20",
                                  "description": "发起助力，分享链接，3 位好友助力后，券就是你的。"}})
    chinese = campaigns.create_campaign(
        actor_id=admin_id, title="邀请 2 位好友，领免运费券", template_id=free_post.id,
        required_assists=2, drive_hours=48, assist_reward_coins=5,
        description="把助力链接发给好友，2 位好友助力后，免运费券自动放入你的券包。",
        translations={"en": {"title": "Ask 2 friends: free shipping",
                             "description": "Send your drive's link to friends; when 2 of "
                                            "them help, the free-shipping coupon goes "
                                            "into your coupons."}})
    db.session.commit()
    users = ctx.users
    if "alice" in users:
        coupons.claim_pack(welcome.id, users["alice"].id)
        drive = campaigns.start_drive(campaign.id, users["alice"].id)
        for helper in ("bob", "carol"):
            if helper in users:
                campaigns.assist_drive(drive.code, users[helper].id)
        db.session.commit()
        ctx.step(f"campaign '{campaign.title}'; alice's drive /d/{drive.code} has 2 of 3 helpers")
    if "bob" in users:
        drive = campaigns.start_drive(chinese.id, users["bob"].id)
        db.session.commit()
        ctx.step(f"campaign '{chinese.title}'; bob's drive /d/{drive.code} waits for friends")
    if "erin" in users:
        coupons.claim_coupon(five_off.id, users["erin"].id)
        db.session.commit()
        ctx.step(f"erin claimed a coupon; '{ten_pct.name}' waits for gold members")
