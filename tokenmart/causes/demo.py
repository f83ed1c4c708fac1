"""Demo causes: two causes with pictures (one entered in English, one in Chinese, each
translated into the other language), gifts of coins and flowers
from several demo users (some showing their names), and one pledge, which the clearing
demo (it runs next) applies to the past periods, so the pages look alive."""

from __future__ import annotations

import io
from typing import Any

from tokenmart.errors import DomainError
from tokenmart.extensions import db

ORDER = 65  #: before the clearing demo, so the pledge and the cause's coins are cleared

CAUSES = [
    {"name": "Trees for the Loess Plateau",
     "description": "Every 1,000 coins plants a sapling on the eroded hills of Shaanxi. "
                    "The organisation reports each planting season.",
     "translations": {"zh_Hans": {
         "name": "黄土高原种树",
         "description": "每 1,000 金币在陕西水土流失的山坡上种下一棵树苗。"
                        "机构每个种植季报告一次进展。"}},
     "goal_coins": 5000, "picture": ("#e8f5e9", "#2e7d32", "triangle")},
    {"name": "山区儿童图书角",
     "description": "为云南山区小学添置图书角：每 500 金币可买一本新书。",
     "translations": {"en": {
         "name": "Reading corners for mountain schools",
         "description": "Reading corners for village schools in the mountains of Yunnan: "
                        "every 500 coins buys a new book."}},
     "goal_coins": 3000, "picture": ("#fff3e0", "#ef6c00", "square")},
]
#: (user, cause index, currency, amount, show name)
GIFTS = [
    ("alice", 0, "coin", 60, True), ("bob", 0, "coin", 40, False),
    ("carol", 0, "flower", 3, True), ("dave", 1, "coin", 30, True),
    ("小红花", 1, "flower", 2, True), ("erin", 1, "coin", 20, False),
    ("frank", 0, "coin", 25, True),
]


def seed(ctx: Any) -> None:
    from tokenmart.causes import causes_service, giving_service
    from tokenmart.ledger import service as ledger
    from tokenmart.mall.demo import picture

    admin_id = ctx.admin.id if ctx.admin else None
    causes = []
    for spec in CAUSES:
        spec = dict(spec)
        background, foreground, shape = spec.pop("picture")
        cause = causes_service.create_cause(admin_id, spec)
        causes_service.set_cause_image(admin_id, cause.id,
                                       io.BytesIO(picture(background, foreground, shape)))
        causes.append(cause)
    db.session.commit()
    given = 0
    for name, index, currency, amount, show in GIFTS:
        user = ctx.users.get(name)
        if user is None:
            continue
        if ledger.balances_of(user.id)[currency] < amount:  # top up, honestly labelled
            ledger.transfer("adjustment", currency, amount, ledger.MINT, ledger.user(user.id),
                            memo="演示：用于公益捐赠 · demo: tokens to give to a cause", notify=False)
        try:
            giving_service.donate(user.id, causes[index].id, currency, amount, show)
        except DomainError:
            db.session.rollback()
            continue
        db.session.commit()
        given += 1
    pledger = ctx.users.get("grace")
    if pledger is not None:
        giving_service.set_pledge(pledger.id, causes[0].id, 20)
        db.session.commit()
    ctx.step(f"{len(causes)} causes with pictures, {given} gifts, grace pledges 20% "
             "of her credits")
