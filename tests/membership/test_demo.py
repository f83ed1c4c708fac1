"""The living demo's cards read in either language: each card program (and the light
card's coupon pack, named in its benefits) is translated into the other language."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.extensions import db
from tokenmart.membership.models import CardProgram


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_demo_cards_read_in_either_language(app: Any, client: Any) -> None:
    from tokenmart.coupons.models import CouponPack
    from tokenmart.demo import run_demo

    run_demo()
    cards = list(db.session.execute(sa.select(CardProgram).order_by(CardProgram.id)).scalars())
    assert len(cards) == 4
    for card in cards:
        other = "en" if _chinese(card.name) else "zh_Hans"
        texts = card.translations[other]
        assert set(texts) == {"name", "tagline"}, card.name
        assert all(_chinese(t) == (other == "zh_Hans") for t in texts.values()), texts
    for card in cards:
        en = client.get(f"/cards/{card.id}?lang=en").get_data(as_text=True)
        zh = client.get(f"/cards/{card.id}?lang=zh_Hans").get_data(as_text=True)
        english = card.translations.get("en", {}).get("name", card.name)
        chinese = card.translations.get("zh_Hans", {}).get("name", card.name)
        assert f"<h1>{english}</h1>" in en and f"<h1>{chinese}</h1>" in zh
    light = next(c for c in cards if c.kind == "light")
    pack = db.session.get(CouponPack, light.coupon_pack_id)
    assert not _chinese(pack.translations["en"]["name"])
    en = client.get(f"/cards/{light.id}?lang=en").get_data(as_text=True)
    assert pack.translations["en"]["name"] in en and pack.name not in en
