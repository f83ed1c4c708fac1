"""The scheduled jobs: registered, and each correct when run twice or late."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from jobs import membership as membership_jobs
from tests.coupons.helpers import login
from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of
from tokenmart.membership import joining
from tokenmart.membership.models import CardProgram, Membership


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}


def test_jobs_are_registered():
    from jobs.registry import all_jobs

    ids = {j.id for j in all_jobs()}
    assert {"membership.conditional_cards", "membership.conditional_cards_all",
            "membership.end_and_warn", "membership.settle_light",
            "membership.coupon_packs"} <= ids


def test_minute_sweep_issues_after_an_admin_grant(app, make_user, make_card, grant):
    make_card("conditional", condition={"metric": "coins_earned_total", "threshold": 30})
    user = make_user("granted")
    grant(user, "coin", 30)  # no earning event: only the sweep sees it
    assert membership_jobs.issue_conditional_cards() == 1
    assert membership_jobs.issue_conditional_cards() == 0


def test_settle_job_twice_and_late_settles_once(app, make_user, make_card):
    card = make_card("light", fee_cents=500, validity_days=7)
    user = make_user("late", credit=500)
    joining.join_card(card.id, user.id)
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(days=40), tick=False):
        assert membership_jobs.settle_light_cards() == 1
        assert membership_jobs.settle_light_cards() == 0
        assert membership_jobs.end_and_warn() == {"ended": 0, "warned": 0}
    assert balances_of(user.id)["credit"] == 500  # nothing used: all released
    assert db.session.execute(sa.select(Membership.status)).scalar() == "ended"


def test_admin_uploads_a_card_picture(app, admin):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (600, 380), "navy").save(buf, format="PNG")
    browser = login(app, "admin")
    html = browser.get("/admin/cards").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    resp = browser.post("/admin/cards", content_type="multipart/form-data", data={
        "csrf_token": token, "name": "Picture card", "kind": "free", "color": "#000080",
        "currency": "coin", "condition_metric": "", "coupon_pack_id": "0", "member_day": "0",
        "active": "y", "image": (io.BytesIO(buf.getvalue()), "card.png")})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    card = db.session.execute(sa.select(CardProgram)).scalar_one()
    assert card.image_key and card.image_key.startswith("cards/")
    picture = browser.get(f"/cards/image/{card.image_key}")
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert f"/cards/image/{card.image_key}" in browser.get(f"/cards/{card.id}").get_data(as_text=True)
    assert browser.get("/cards/image/mall/../x.jpg").status_code == 404
