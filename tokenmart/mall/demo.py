"""Demo rewards in the mall (in English and Chinese, each with a drawn picture), and a
few redemptions by the demo users."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image, ImageDraw

from tokenmart.core.clock import utcnow
from tokenmart.errors import DomainError
from tokenmart.extensions import db

ORDER = 50


def picture(background: str, foreground: str, shape: str, size: int = 480) -> bytes:
    """A simple card-like picture (a coloured square with one shape), as PNG bytes.

    Good enough to make the mall look alive without shipping binary files; uploaded
    through the same pipeline as an admin's image, so the demo exercises it too.
    """
    img = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(img)
    m = size // 5
    box = (m, m, size - m, size - m)
    if shape == "circle":
        draw.ellipse(box, fill=foreground)
    elif shape == "triangle":
        draw.polygon([(size // 2, m), (size - m, size - m), (m, size - m)], fill=foreground)
    elif shape == "diamond":
        draw.polygon([(size // 2, m), (size - m, size // 2), (size // 2, size - m),
                      (m, size // 2)], fill=foreground)
    else:
        draw.rounded_rectangle(box, radius=size // 12, fill=foreground)
    draw.ellipse((size - m, m // 2, size - m // 3, m + m // 6), fill="#ffffff")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _zh(name: str, description: str) -> dict[str, dict[str, str]]:
    """A reward entered in English, and its Chinese."""
    return {"zh_Hans": {"name": name, "description": description}}


def _en(name: str, description: str) -> dict[str, dict[str, str]]:
    """A reward entered in Chinese, and its English."""
    return {"en": {"name": name, "description": description}}


def _specs(ctx: Any) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {"name": "Bubble tea voucher", "description": "One medium bubble tea at any partner shop.",
         "currency": "flower", "price": 30, "tier_prices": {"gold": 25, "platinum": 20},
         "grant": {"type": "voucher_codes",
                   "codes": [f"TEA-{ctx.rng.randrange(10**7, 10**8)}" for _ in range(20)]},
         "picture": ("#fde2c8", "#8b5a2b", "circle"),
         "translations": _zh("奶茶兑换券", "合作门店任选一杯中杯奶茶。")},
        {"name": "Canvas tote bag", "description": "Red, sturdy, with the little flower logo.",
         "currency": "coin", "price": 800, "stock": 25, "per_user_limit": 1,
         "grant": {"type": "physical"}, "picture": ("#fff0f0", "#e0393e", "rect"),
         "translations": _zh("帆布托特包", "红色，结实耐用，印有小红花标志。")},
        {"name": "Sticker pack", "description": "Ten waterproof stickers.",
         "currency": "coin", "price": 120, "stock": None, "grant": {"type": "physical"},
         "picture": ("#e8f4ff", "#2563eb", "diamond"),
         "translations": _zh("贴纸包", "十张防水贴纸。")},
        {"name": "Cinema ticket", "description": "A 2D ticket at partner cinemas.",
         "currency": "flower", "price": 150, "stock": 0, "grant": {"type": "physical"},
         "picture": ("#f1e8ff", "#6d28d9", "triangle"),
         "translations": _zh("电影票", "合作影院 2D 电影票一张。")},
        {"name": "视频会员月卡", "description": "一个月的视频会员，兑换后立即获得兑换码。",
         "currency": "coin", "price": 300, "tier_prices": {"silver": 280, "gold": 250},
         "grant": {"type": "voucher_codes",
                   "codes": [f"VIP-{ctx.rng.randrange(10**9, 10**10)}" for _ in range(10)]},
         "picture": ("#e9f7ef", "#1f8a4c", "triangle"),
         "translations": _en("Video streaming: one month",
                             "A month of video membership; the code arrives at once.")},
        {"name": "小红花保温杯", "description": "350 毫升不锈钢保温杯，印有小红花标志。",
         "currency": "flower", "price": 60, "stock": 8, "per_user_limit": 2,
         "grant": {"type": "physical"}, "picture": ("#fff7e0", "#e0393e", "circle"),
         "translations": _en("Little red flower flask",
                             "A 350 ml steel flask with the little red flower logo.")},
        {"name": "中秋月饼礼盒", "description": "中秋节限定，节前三天开始兑换。",
         "currency": "coin", "price": 500, "stock": 50, "starts_at": now + timedelta(days=3),
         "grant": {"type": "physical"}, "picture": ("#fff3d6", "#b45309", "circle"),
         "translations": _en("Mid-Autumn mooncake box",
                             "For the Mid-Autumn Festival; opens three days before.")},
    ]


def seed(ctx: Any) -> None:
    from tokenmart.mall import admin_service, redeem_service

    admin_id = ctx.admin.id if ctx.admin else None
    rewards = []
    for spec in _specs(ctx):
        background, foreground, shape = spec.pop("picture")
        reward = admin_service.create_reward(admin_id, spec)
        admin_service.set_reward_image(admin_id, reward,
                                       io.BytesIO(picture(background, foreground, shape)))
        rewards.append(reward)
    db.session.commit()
    ctx.step(f"{len(rewards)} mall rewards with pictures (a voucher, a limited tote bag, "
             "stickers, a sold-out ticket, one coming soon; each in English and Chinese)")

    addresses = {"alice": "上海市徐汇区漕溪北路 88 号 3 楼", "bob": "Bob St 1, Shanghai",
                 "carol": "北京市朝阳区建国路 9 号"}
    made = 0
    for name in ("alice", "bob", "carol"):
        user = ctx.users.get(name)
        if user is None:
            continue
        for reward, address in ((rewards[0], None), (rewards[2], addresses[name])):
            try:
                redeem_service.redeem_reward(reward.id, user.id, user.tier, address)
            except DomainError:  # a demo user may simply not afford it
                db.session.rollback()
                continue
            db.session.commit()
            made += 1
    ctx.step(f"{made} redemptions by alice, bob and carol")
