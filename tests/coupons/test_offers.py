"""My coupons and the coupons to claim: labels, where a coupon works, and a Claim button
only for those the claim service would accept (the same eligibility rule)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask

from tests.coupons.helpers import login
from tokenmart.accounts.models import User
from tokenmart.coupons import coupon_service, offers
from tokenmart.coupons.errors import NotEligible
from tokenmart.coupons.models import TIERS
from tokenmart.extensions import db


def page_of(client: Any, path: str) -> BeautifulSoup:
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def set_tier(user: Any, tier: str) -> None:
    db.session.execute(sa.update(User).where(User.id == user.id).values(tier=tier))
    db.session.commit()


def test_gold_only_coupon_shows_why_instead_of_claim(app: Flask, make_user: Any,
                                                     make_template: Any) -> None:
    gold = make_template(name="Gold 10%", kind="percent_off", value=10, min_tier="gold")
    make_user("mia")
    page = page_of(login(app, "mia"), "/coupons")
    offer = page.select_one(f"[data-testid=offer-t{gold.id}]")
    button = offer.select_one(f"[data-testid=claim-disabled-t{gold.id}]")
    assert button.has_attr("disabled") and button.get_text() == "Claim"
    assert offer.select_one("[data-testid=why-not]").get_text().strip() == (
        "For Gold members and above")
    assert offer.find("form") is None  # nothing to submit
    assert f"/coupon-templates/{gold.id}/claim" not in str(page)

    zh = page_of(login(app, "mia"), "/coupons?lang=zh_Hans")
    assert zh.select_one(f"[data-testid=offer-t{gold.id}] [data-testid=why-not]").get_text(
        ).strip() == "黄金会员及以上专享"


def test_a_gold_member_can_claim_it(app: Flask, make_user: Any, make_template: Any) -> None:
    gold = make_template(name="Gold 10%", kind="percent_off", value=10, min_tier="gold")
    set_tier(make_user("gina"), "gold")
    client = login(app, "gina")
    offer = page_of(client, "/coupons").select_one(f"[data-testid=offer-t{gold.id}]")
    form = offer.find("form")
    assert form["action"] == f"/coupon-templates/{gold.id}/claim"
    assert offer.select_one("[data-testid=why-not]") is None
    # who it is for is still said, as information
    assert offer.select_one("[data-testid=min-tier]").get_text() == "For Gold members and above"
    done = client.post(form["action"], follow_redirects=True).get_data(as_text=True)
    assert "Claimed: Gold 10%" in done


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("min_tier", [None, *TIERS])
def test_the_button_and_the_claim_agree(app: Flask, make_user: Any, make_template: Any,
                                        tier: str, min_tier: str | None) -> None:
    template = make_template(min_tier=min_tier)
    user = make_user()
    set_tier(user, tier)
    offer = next(o for o in offers.offers_for(user.id) if o.item.id == template.id)
    try:
        coupon_service.claim_coupon(template.id, user.id)
    except NotEligible:
        refused = True
        db.session.rollback()
    else:
        refused = False
        db.session.commit()
    assert (offer.blocked == "not_eligible") is refused


def test_new_users_only_is_explained_to_older_accounts(app: Flask, make_user: Any,
                                                      make_template: Any) -> None:
    from datetime import timedelta

    from tokenmart.core.clock import utcnow

    fresh = make_template(name="Newcomer 3 off", value=300, new_users_only=True)
    old = make_user("olga")
    db.session.execute(sa.update(User).where(User.id == old.id).values(
        created_at=utcnow() - timedelta(days=60)))
    db.session.commit()
    offer = page_of(login(app, "olga"), "/coupons").select_one(f"[data-testid=offer-t{fresh.id}]")
    assert offer.select_one("[data-testid=why-not]").get_text().strip() == "For new members only"
    make_user("nina")
    offer = page_of(login(app, "nina"), "/coupons").select_one(f"[data-testid=offer-t{fresh.id}]")
    assert offer.find("form") is not None


def test_coupons_say_where_they_work(app: Flask, make_user: Any, make_template: Any) -> None:
    shipping = make_template(name="Free post", kind="free_shipping", value=0)
    big = make_template(name="5 off over 30", value=500, min_spend_cents=3000)
    small = make_template(name="2 off", value=200)
    user = make_user("will")
    for template in (shipping, big, small):
        coupon_service.issue_coupon(template.id, user.id, source="grant")
    db.session.commit()
    page = page_of(login(app, "will"), "/coupons")
    uses = {c.select_one("strong").get_text(): c.select_one("[data-testid=coupon-uses]").get_text(" ")
            for c in page.select("[data-testid=coupon]")}
    swap = "Use on: the shipping fee of a swap sent by post"
    assert swap in uses["Free post"] and "they waive the shipping fee" in uses["Free post"]
    # ¥30 minimum spend never fits under the ¥8 swap fee: only at a merchant
    assert swap not in uses["5 off over 30"]
    assert "Show the code to a merchant when you pay" in uses["5 off over 30"]
    assert swap in uses["2 off"]
    # the claim list says it too
    offer = page.select_one(f"[data-testid=offer-t{shipping.id}] [data-testid=coupon-uses]")
    assert swap in offer.get_text()


def test_my_coupons_show_labels_not_codes(app: Flask, make_user: Any,
                                          make_template: Any) -> None:
    template = make_template(name="Claim me")
    make_user("lena")
    client = login(app, "lena")
    client.post(f"/coupon-templates/{template.id}/claim")
    page = page_of(client, "/coupons")
    assert page.select_one("[data-testid=coupon-status]").get_text() == "Ready to use"
    assert page.select_one("[data-testid=coupon-source]").get_text() == "Claimed by you"
    assert page.select_one("[data-testid=tab-redeemed]").get_text() == "Used"
    code = page.select_one("[data-testid=coupon-code]").get_text()
    assert page.select_one(f"[data-copy='{code}']") is not None
    zh = page_of(client, "/coupons?lang=zh_Hans")
    assert zh.select_one("[data-testid=coupon-status]").get_text() == "可使用"
    assert zh.select_one("[data-testid=coupon-source]").get_text() == "自己领取"
    assert zh.title.get_text().startswith("我的优惠券")


def test_older_page_keeps_the_status_tab(app: Flask, make_user: Any, make_template: Any) -> None:
    template = make_template()
    user = make_user("owen")
    for _ in range(31):
        coupon_service.issue_coupon(template.id, user.id, source="grant")
    db.session.commit()
    client = login(app, "owen")
    older = page_of(client, "/coupons?status=active").select_one(".pager a")["href"]
    assert older.startswith("/coupons?status=active&cursor=")
    assert len(page_of(client, older).select("[data-testid=coupon]")) == 1
    assert client.get("/coupons?cursor=%FF%FE").status_code < 500
