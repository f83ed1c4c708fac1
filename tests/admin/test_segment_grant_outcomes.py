"""A segment grant says what it really did, keeps its holdout, refuses a bad holdout on its
own field, and never reaches staff.

Each test stands for a defect an admin reviewer found on /admin/segments?segment=new: a
repeated grant confirmed "5 coupons granted" while issuing nothing; a 40 % holdout was
dropped without a word and the confirm always counted the whole segment; -5 in the
holdout field was refused as "Choose a segment and a coupon template." with the field
reset; the admin account was scored as a new user and sent the coupon.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD
from tests.crawler import Page, check_page, content_strings
from tokenmart.extensions import db


def _sign_in(client: Any, username: str, lang: str = "en") -> None:
    assert client.post("/login", data={"username": username,
                                       "password": PASSWORD}).status_code == 302
    client.get(f"/?lang={lang}")


def _soup(resp: Any) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def _text(resp: Any) -> str:
    return html.unescape(_soup(resp).get_text(" ", strip=True))


@pytest.fixture
def scene(app: Any, make_user: Any, admin: Any) -> dict[str, Any]:
    """Five new customers, the admin (also registered today), a scoring and a template,
    as on the demo: "¥1 thank-you coupon", no stock limit."""
    from tokenmart.admin import rfm
    from tokenmart.coupons import templates_service

    users = [make_user(f"fresh{i}") for i in range(5)]
    template = templates_service.create_template(
        actor_id=admin.id, name="¥1 thank-you coupon", kind="amount_off", value=100,
        valid_days=7, translations={"zh_Hans": {"name": "¥1 感谢券"}})
    snapshot = rfm.take_snapshot(admin.id)
    db.session.commit()
    return {"users": users, "admin": admin, "template_id": template.id,
            "snapshot_id": snapshot.id}


def _post_grant(client: Any, scene: dict[str, Any], holdout: str = "0",
                segment: str = "new") -> Any:
    return client.post("/admin/segments/grant", data={
        "snapshot_id": scene["snapshot_id"], "segment": segment,
        "template_id": scene["template_id"], "holdout_percent": holdout})


def _issued_count(template_id: int) -> int:
    from tokenmart.coupons.models import CouponTemplate

    db.session.expire_all()
    return db.session.get(CouponTemplate, template_id).issued_count


def _grants_listed_in_analytics() -> list[Any]:
    from tokenmart.analytics.catalog import subjects_by_kind

    return dict(subjects_by_kind())["segment_grant"]


# 1. A grant says how many got the coupon; a repeat says nobody did, and records nothing.

def test_a_repeated_grant_says_nobody_got_a_coupon_and_records_nothing(
        client: Any, scene: dict[str, Any]) -> None:
    _sign_in(client, "admin")
    first = _post_grant(client, scene)
    assert first.status_code == 302
    assert "5 users in New users got “¥1 thank-you coupon”." in _text(client.get(first.location))
    assert _issued_count(scene["template_id"]) == 5

    for _ in range(2):
        again = _post_grant(client, scene)
        assert again.status_code == 409
        text = _text(again)
        assert "coupons granted" not in text and "users in New users got" not in text
        assert ("Nobody got a coupon: “¥1 thank-you coupon” was already given to New users "
                "from this scoring on") in text
        assert "Score everyone again to give it again." in text
    assert _issued_count(scene["template_id"]) == 5
    assert len(_grants_listed_in_analytics()) == 1
    # the page shows the earlier grant instead of a button that could only give nothing
    page = _soup(client.get("/admin/segments?segment=new"))
    assert page.select_one(f"[data-testid=grant-{scene['template_id']}]") is None
    given = page.select_one(f"[data-testid=given-{scene['template_id']}]")
    assert given.get_text(" ", strip=True) == "Given from this scoring to 5 users"


def test_a_repeated_grant_reads_in_chinese(client: Any, scene: dict[str, Any]) -> None:
    _sign_in(client, "admin", "zh_Hans")
    first = _post_grant(client, scene)
    assert "新用户中的 5 位用户收到了“¥1 感谢券”。" in _text(client.get(first.location))
    again = _text(_post_grant(client, scene, holdout="40"))
    assert "没有人收到优惠券：“¥1 感谢券”已在" in again and "按这次打分发给新用户。" in again
    assert "你要求的 40% 对照组没有抽取。" in again and "那次发放没有对照组。" in again


def test_the_service_tells_a_repeat_from_a_grant(scene: dict[str, Any]) -> None:
    from tokenmart.admin import rfm

    args = (scene["snapshot_id"], "new", scene["template_id"], scene["admin"].id)
    first = rfm.give_to_segment(*args)
    second = rfm.give_to_segment(*args, holdout_percent=40)
    db.session.commit()
    assert (first.created, first.grant.issued) == (True, 5)
    assert (second.created, second.grant.id, second.holdout_percent) == (False, first.grant.id, 40)
    assert _issued_count(scene["template_id"]) == 5


def test_a_grant_that_would_reach_nobody_is_refused_and_not_recorded(
        client: Any, scene: dict[str, Any]) -> None:
    """Everyone in the segment was banned after the scoring: nothing to give, and no grant
    with 0 coupons in the analytics."""
    from tokenmart.accounts import service as accounts
    from tokenmart.admin import rfm
    from tokenmart.errors import ValidationError

    for user in scene["users"]:
        accounts.ban_user(user, actor_id=scene["admin"].id, reason="farm")
    db.session.commit()
    with pytest.raises(ValidationError):
        rfm.give_to_segment(scene["snapshot_id"], "new", scene["template_id"], scene["admin"].id)
    db.session.rollback()
    _sign_in(client, "admin")
    resp = _post_grant(client, scene)
    assert resp.status_code == 422
    assert "Nobody in this segment can get a coupon." in _text(resp)
    assert _grants_listed_in_analytics() == []
    assert _issued_count(scene["template_id"]) == 0


def test_a_sold_out_grant_gives_nothing_and_leaves_no_grant(
        client: Any, scene: dict[str, Any]) -> None:
    from tokenmart.admin import rfm
    from tokenmart.coupons import templates_service
    from tokenmart.coupons.errors import SoldOut

    few = templates_service.create_template(actor_id=None, name="Only two", kind="amount_off",
                                            value=100, total_quantity=2)
    db.session.commit()
    with pytest.raises(SoldOut):
        rfm.give_to_segment(scene["snapshot_id"], "new", few.id, scene["admin"].id)
    # even a caller that commits after the refusal records no grant
    db.session.commit()
    assert _grants_listed_in_analytics() == []
    _sign_in(client, "admin")
    resp = client.post("/admin/segments/grant", data={
        "snapshot_id": scene["snapshot_id"], "segment": "new", "template_id": few.id})
    assert resp.status_code == 409
    assert "Not enough coupons left in this template" in _text(resp)
    assert _issued_count(few.id) == 0 and _grants_listed_in_analytics() == []


# 2. The holdout is drawn, said in the confirm, and never dropped without a word.

def test_the_confirm_counts_who_gets_it_and_who_is_held_out(
        client: Any, scene: dict[str, Any]) -> None:
    _sign_in(client, "admin")
    page = _soup(client.get("/admin/segments?segment=new"))
    button = page.select_one(f"[data-testid=grant-{scene['template_id']}]")
    assert button["data-confirm"] == "Give “¥1 thank-you coupon” to 5 users?"
    assert button.get_text(strip=True) == "Give to 5 users"
    assert button["data-name"] == "¥1 thank-you coupon"
    texts = json.loads(page.select_one("form[data-grant-texts]")["data-grant-texts"])
    assert sorted(texts, key=int) == [str(p) for p in range(51)]
    assert texts["40"] == {
        "label": "Give to 3 users",
        "confirm": "Give “{name}” to 3 users? 2 users are held out as the control group and "
                   "get nothing."}
    assert texts["10"]["confirm"] == ("Give “{name}” to 5 users? The segment is too small for "
                                      "a 10% control group: nobody is held out.")
    assert any("js/segments.js" in (s.get("src") or "") for s in page.find_all("script"))


def test_the_confirm_reads_in_chinese(client: Any, scene: dict[str, Any]) -> None:
    _sign_in(client, "admin", "zh_Hans")
    page = _soup(client.get("/admin/segments?segment=new"))
    texts = json.loads(page.select_one("form[data-grant-texts]")["data-grant-texts"])
    assert texts["40"]["confirm"] == ("确定把“{name}”发给 3 位用户吗？ 2 位用户留作对照组，"
                                      "不会收到任何东西。")
    button = page.select_one(f"[data-testid=grant-{scene['template_id']}]")
    assert button["data-confirm"] == "确定把“¥1 感谢券”发给 5 位用户吗？"
    assert texts["40"]["label"] == "发给 3 位用户"


def test_a_grant_with_a_holdout_keeps_it_and_says_so(client: Any, scene: dict[str, Any]) -> None:
    from tokenmart.admin.models import SegmentGrant

    _sign_in(client, "admin")
    resp = _post_grant(client, scene, holdout="40")
    assert resp.status_code == 302
    grant = db.session.execute(sa.select(SegmentGrant)).scalar_one()
    assert (grant.holdout_percent, grant.held_out, grant.issued) == (40, 2, 3)
    text = _text(client.get(resp.location))
    assert ("3 users in New users got “¥1 thank-you coupon”. 2 users were held out as the "
            "control group and got nothing.") in text
    listed = _grants_listed_in_analytics()
    assert [(row[3], row[4]) for row in listed] == [("new", 40)]


def test_a_repeat_with_a_holdout_says_the_holdout_was_not_drawn(
        client: Any, scene: dict[str, Any]) -> None:
    _sign_in(client, "admin")
    _post_grant(client, scene)
    resp = _post_grant(client, scene, holdout="40")
    assert resp.status_code == 409
    text = _text(resp)
    assert "The 40% control group you asked for was not drawn." in text
    assert "That grant had no control group." in text
    # the typed holdout stays, and the other buttons ask with it
    kept = _soup(resp).select_one("[data-testid=holdout-percent]")
    assert kept["value"] == "40"


# 3. A bad holdout is the holdout field's error, with what was typed and what was chosen.

@pytest.mark.parametrize("typed", ["-5", "99999999999999999999", "51"])
@pytest.mark.parametrize("lang, message", [
    ("en", "Enter a whole number between 0 and 50."),
    ("zh_Hans", "请输入 0 到 50 之间的整数。"),
])
def test_a_bad_holdout_is_the_fields_error_with_the_choice_kept(
        client: Any, scene: dict[str, Any], typed: str, lang: str, message: str) -> None:
    _sign_in(client, "admin", lang)
    resp = _post_grant(client, scene, holdout=typed)
    assert resp.status_code == 422
    soup = _soup(resp)
    text = _text(resp)
    assert "Choose a segment and a coupon template." not in text
    assert "请选择分群和优惠券模板。" not in text
    field = soup.select_one("[data-testid=holdout-percent]")
    assert field["value"] == typed and field["aria-invalid"] == "true"
    assert soup.select_one("[data-testid=holdout-error]").get_text(strip=True) == message
    # the segment and the template stay chosen
    assert soup.select_one("input[name=segment]")["value"] == "new"
    assert soup.select_one("[data-testid=selected-segment]").get_text(strip=True) == (
        "New users" if lang == "en" else "新用户")
    chosen = soup.select_one("[data-testid=chosen-template]")
    assert chosen.select_one(f"[data-testid=grant-{scene['template_id']}]") is not None
    assert ("¥1 thank-you coupon" if lang == "en" else "¥1 感谢券") in soup.select_one(
        "[data-testid=grant-not-given]").get_text()
    assert _grants_listed_in_analytics() == []


def test_the_segments_page_passes_the_crawlers_checks_after_a_refusal(
        client: Any, scene: dict[str, Any]) -> None:
    content = content_strings(db.session)
    for lang in ("en", "zh_Hans"):
        _sign_in(client, "admin", lang)
        pages = [("/admin/segments?segment=new", client.get("/admin/segments?segment=new")),
                 ("/admin/segments/grant", _post_grant(client, scene, holdout="-5")),
                 ("/admin/segments/grant", _post_grant(client, scene, holdout="30"))]
        problems = []
        for path, resp in pages:
            body = resp.get_data(as_text=True)
            problems += check_page(Page(path, 200, body, BeautifulSoup(body, "html.parser")),
                                   lang != "en", content)
        assert not problems, problems


# 4. Staff and banned accounts are never customers: not scored, listed, counted or sent.

def test_staff_are_not_in_segments_nor_sent_the_coupon(client: Any, scene: dict[str, Any]) -> None:
    from tokenmart.admin import rfm
    from tokenmart.admin.models import SegmentMember
    from tokenmart.coupons.models import Coupon
    from tokenmart.notifications.models import Notification

    admin = scene["admin"]
    scored = set(db.session.execute(sa.select(SegmentMember.user_id).where(
        SegmentMember.snapshot_id == scene["snapshot_id"])).scalars())
    assert admin.id not in scored and {u.id for u in scene["users"]} <= scored
    assert rfm.counts(scene["snapshot_id"])["new"] == 5
    _sign_in(client, "admin")
    page = _soup(client.get("/admin/segments?segment=new"))
    names = [a.get_text(strip=True) for a in page.select("[data-testid=members] a")]
    assert "admin" not in names and len(names) == 5
    assert page.select_one("[data-testid=count-new]").get_text(strip=True).endswith(": 5")
    assert _post_grant(client, scene).status_code == 302
    assert db.session.execute(sa.select(Coupon.id).where(Coupon.user_id == admin.id)).first() is None
    assert db.session.execute(sa.select(Notification.id).where(
        Notification.user_id == admin.id, Notification.kind == "segment_coupon")).first() is None


def test_a_scoring_made_before_the_rule_or_a_later_ban_leaves_them_out(
        client: Any, scene: dict[str, Any]) -> None:
    """One rule at every step: a member row for the admin (as an older scoring has) and a
    user banned after the scoring are neither counted, listed nor given the coupon."""
    from tokenmart.accounts import service as accounts
    from tokenmart.admin import rfm
    from tokenmart.admin.models import SegmentMember
    from tokenmart.analytics.models import GrantCohort
    from tokenmart.coupons.models import Coupon

    admin, banned = scene["admin"], scene["users"][0]
    if db.session.get(SegmentMember, (scene["snapshot_id"], admin.id)) is None:
        db.session.add(SegmentMember(snapshot_id=scene["snapshot_id"], user_id=admin.id,
                                     frequency=1, monetary=1, r=1, f=1, m=1, segment="new"))
    accounts.ban_user(banned, actor_id=admin.id, reason="farm")
    db.session.commit()
    assert rfm.counts(scene["snapshot_id"])["new"] == 4
    listed = {m.user_id for m, _name in rfm.members(scene["snapshot_id"], "new")}
    assert admin.id not in listed and banned.id not in listed and len(listed) == 4
    _sign_in(client, "admin")
    resp = _post_grant(client, scene)
    text = _text(client.get(resp.location))
    assert "4 users in New users got “¥1 thank-you coupon”." in text
    assert "2 members were skipped: staff and banned accounts get no segment coupons." in text
    owners = set(db.session.execute(sa.select(Coupon.user_id)).scalars())
    assert owners == {u.id for u in scene["users"][1:]}
    cohort = set(db.session.execute(sa.select(GrantCohort.user_id)).scalars())
    assert cohort == owners
