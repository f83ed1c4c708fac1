"""Demo market: fourteen listings (titled in Chinese and English) with generated photos,
one waiting for review and one rejected with its reason, and orders in every state."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

ORDER = 60

#: (seller, title, description, category, condition, price, city, handover, colour)
ITEMS = [
    ("alice", "Vintage racing bicycle", "Steel frame, new tyres, rides beautifully.",
     "sports", "good", 120, "Shanghai", "meetup", "#d9534f"),
    ("bob", "全新佳能单反相机套装", "九成新，带两个镜头和相机包，功能完好。", "electronics",
     "like_new", 300, "北京", "both", "#333333"),
    ("carol", "Children's picture books (set of 10)", "我家孩子读过的绘本故事书, clean pages.",
     "books", "good", 25, "Shanghai", "post", "#f0ad4e"),
    ("dave", "Desk lamp with warm light", "Adjustable arm, LED bulb included.", "home", "good",
     30, "Hangzhou", "both", "#5bc0de"),
    ("erin", "羊毛围巾 手工编织", "冬天很暖和的红色围巾，只戴过两次。", "clothing", "like_new", 40,
     "成都", "post", "#c9302c"),
    ("frank", "Yoga mat and blocks", "Barely used, 6 mm thick.", "sports", "like_new", 35,
     "Shenzhen", "meetup", "#5cb85c"),
    ("小红花", "婴儿推车 可折叠", "轻便推车，一键收车，适合出行。", "kids", "good", 150, "广州", "both",
     "#9b59b6"),
    ("alice", "Skincare sample set", "Unopened travel-size samples.", "beauty", "new", 20,
     "Shanghai", "post", "#ff9ff3"),
    ("bob", "Mechanical keyboard", "Brown switches, USB-C, with keycap puller.", "electronics",
     "good", 90, "Beijing", "both", "#34495e"),
    ("carol", "Cast-iron pot", "Heavy, perfect for stews. Meet-up only.", "home", "fair", 45,
     "Shanghai", "meetup", "#7f8c8d"),
    ("dave", "科幻小说合集 三体", "三体全套三册，书页干净无笔记。", "books", "good", 50, "杭州", "both",
     "#2c3e50"),
    ("erin", "Tennis racket", "Graphite, grip size 2, with cover.", "sports", "good", 60,
     "Chengdu", "both", "#16a085"),
    ("frank", "宜家白色三层书架", "自提，有轻微使用痕迹，不影响使用。", "home", "fair", 35, "深圳",
     "meetup", "#bdc3c7"),
    ("grace", "乐高城市系列积木", "只拼过一次，零件齐全，附说明书和原盒。", "kids", "like_new", 80,
     "上海", "post", "#e67e22"),
]
#: the listing a moderator rejected (second to last) and why; the last one waits for review
REJECTED_REASON = "照片没有拍到实物，请补充清晰的实物照片。"


def _photo(colour: str, label: str, rng: Any) -> io.BytesIO:
    img = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = rng.randint(0, 700), rng.randint(0, 500)
        r = rng.randint(30, 120)
        draw.ellipse((x, y, x + r, y + r), outline="white", width=6)
    draw.text((30, 540), label, fill="white")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    out.seek(0)
    return out


def seed(ctx: Any) -> None:
    from tokenmart.barter import listings_service, orders_service, photos, reports_service
    from tokenmart.barter import trust_service as trust
    from tokenmart.extensions import db

    listings = []
    for seller, title, description, category, condition, price, city, handover, colour in ITEMS:
        item = listings_service.create_listing(ctx.users[seller], {
            "title": title, "description": description, "category": category,
            "condition": condition, "price": price, "city": city, "handover": handover,
        })
        for n in range(ctx.rng.randint(1, 3)):
            photos.add_photo(item.id, _photo(colour, f"{category} #{n + 1}", ctx.rng))
        listings.append(item)
    db.session.commit()
    for item in listings[:-2]:  # the last one waits in the moderation queue
        reports_service.approve_listing(item.id, ctx.admin)
    reports_service.reject_listing(listings[-2].id, ctx.admin, REJECTED_REASON)
    db.session.commit()
    ctx.step(f"{len(listings)} listings with photos (one rejected, one waiting for review)")

    def order(index: int, buyer: str, **kw: Any) -> Any:
        from tokenmart.ledger import adjustments
        from tokenmart.ledger.service import balances_of

        item = listings[index]
        short = item.price - balances_of(ctx.users[buyer].id)["flower"]
        if short > 0:  # other seeds may have spent this buyer's welcome flowers
            adjustments.grant(actor_id=ctx.admin.id, user_id=ctx.users[buyer].id,
                              currency="flower", amount=short, memo="演示交换用的小红花 · Demo swap money")
        handover = "meetup" if item.handover == "meetup" else "post"
        placed = orders_service.place_order(
            item.id, ctx.users[buyer], handover=handover,
            address="上海市黄浦区南京东路 1 号" if handover == "post" else None, **kw)
        db.session.commit()
        return placed

    users = ctx.users
    # ordered
    order(3, "grace")
    # shipped
    shipped = order(4, "alice")
    orders_service.transition(shipped.id, "ship", users["erin"], tracking_no="SF1234567890")
    # completed and rated
    done = order(0, "bob")
    orders_service.transition(done.id, "ship", users["alice"])  # a meet-up: handed over
    orders_service.transition(done.id, "confirm", users["bob"])
    trust.post_message(done.id, users["bob"], "Thanks, the bike is great!")
    trust.rate_order(done.id, users["bob"], 5, "Friendly and on time")
    trust.rate_order(done.id, users["alice"], 4, "Smooth swap")
    # cancelled
    cancelled = order(5, "carol")
    orders_service.transition(cancelled.id, "cancel", users["carol"])
    # disputed
    disputed = order(1, "dave")
    orders_service.transition(disputed.id, "ship", users["bob"], tracking_no="YT9988776655")
    orders_service.transition(disputed.id, "dispute", users["dave"],
                              reason="The lens has a scratch that was not mentioned.")
    trust.post_message(disputed.id, users["dave"], "镜头有划痕，描述里没有说。")
    # refunded dispute
    refunded = order(9, "frank")
    orders_service.transition(refunded.id, "ship", users["carol"])
    orders_service.transition(refunded.id, "dispute", users["frank"], reason="Pot was cracked")
    orders_service.transition(refunded.id, "refund", ctx.admin, reason="Photos show a crack")
    db.session.commit()
    # a reported listing (two reports, still visible)
    for reporter in ("grace", "frank"):
        reports_service.report_listing(listings[7].id, users[reporter], "spam",
                                       "像是广告" if reporter == "grace" else "looks like an ad")
    db.session.commit()
    ctx.step("orders: ordered, shipped, completed (rated), cancelled, disputed, refunded")
