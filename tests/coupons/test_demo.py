"""The demo seeds templates (one named in Chinese), a pack, and two running campaigns
(one in Chinese), each with a drive: alice's half done, bob's just started."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.coupons.campaigns_service import running_campaigns
from tokenmart.coupons.models import Coupon, CouponPack, Drive
from tokenmart.extensions import db


def test_demo_seeds_coupons_and_a_campaign(app: Any) -> None:
    from tokenmart.demo import run_demo

    ctx = run_demo()
    assert [c.title for c in running_campaigns()] == ["邀请 2 位好友，领免运费券",
                                                      "Ask 3 friends: ¥20 off"]
    # the coupons' own welcome pack, and the light membership card's pack (membership demo)
    assert sorted(db.session.execute(sa.select(CouponPack.name)).scalars().all()) == [
        "Welcome pack", "轻享卡礼包：5 张 ¥8 券"]
    drives = {d.owner_id: d for d in db.session.execute(sa.select(Drive)).scalars()}
    drive = drives[ctx.users["alice"].id]
    assert (drive.progress, drive.status) == (2, "open")
    bobs = drives[ctx.users["bob"].id]  # a drive of the Chinese campaign, nobody helped yet
    assert (bobs.campaign.title, bobs.progress, bobs.status) == ("邀请 2 位好友，领免运费券", 0, "open")
    assert len(drives) == 2
    alice_coupons = db.session.execute(sa.select(sa.func.count(Coupon.id)).where(
        Coupon.user_id == ctx.users["alice"].id, Coupon.source != "membership")).scalar_one()
    assert alice_coupons == 2  # the coupons demo's; her light card's pack is membership's


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_demo_content_is_translated_into_the_other_language(app: Any) -> None:
    from bs4 import BeautifulSoup

    from tokenmart.coupons import demo
    from tokenmart.coupons.models import Campaign, CouponTemplate
    from tokenmart.demo import DemoContext

    demo.seed(DemoContext())  # the coupons demo alone: every row here is its own
    rows = [(t, "name") for t in db.session.execute(sa.select(CouponTemplate)).scalars()]
    rows += [(p, "name") for p in db.session.execute(sa.select(CouponPack)).scalars()]
    campaigns = list(db.session.execute(sa.select(Campaign)).scalars().unique())
    rows += [(c, f) for c in campaigns for f in ("title", "description")]
    assert len(rows) == 7 + 1 + 2 * 2
    for obj, field in rows:
        entered = getattr(obj, field)
        other = "en" if _chinese(entered) else "zh_Hans"
        translated = obj.translations.get(other, {}).get(field, "")
        assert translated and _chinese(translated) == (other == "zh_Hans"), (entered, translated)
    client = app.test_client()
    zh = BeautifulSoup(client.get("/campaigns?lang=zh_Hans").get_data(as_text=True),
                       "html.parser")
    assert [h.get_text() for h in zh.select("section[id^=campaign-] h2")] == [
        "邀请 2 位好友，领免运费券", "邀请 3 位好友，立减¥20"]
    en = BeautifulSoup(client.get("/campaigns?lang=en").get_data(as_text=True), "html.parser")
    assert [h.get_text() for h in en.select("section[id^=campaign-] h2")] == [
        "Ask 2 friends: free shipping", "Ask 3 friends: ¥20 off"]
    assert not any(_chinese(s.get_text()) for s in en.select("section[id^=campaign-]"))
