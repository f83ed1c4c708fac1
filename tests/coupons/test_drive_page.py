"""The drive page (/d/<code>) as the owner, helpers and strangers see it: one slot per
assist needed, progress, a live countdown, the share sheet with a QR code of the link,
"Start your own" for helpers, and the way back to the drive after registering."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import segno
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask

from tests.coupons.helpers import login
from tokenmart.core.clock import utcnow
from tokenmart.coupons import campaigns_service as campaigns
from tokenmart.coupons.models import Drive
from tokenmart.extensions import db


def soup_of(resp: Any) -> BeautifulSoup:
    assert resp.status_code == 200, resp.status_code
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def qr_modules(svg: Any) -> set[tuple[int, int]]:
    """The dark modules (x, y) a segno SVG path draws, read back from its `d` attribute
    (absolute M, relative m and horizontal h runs), without the quiet-zone border."""
    path = svg.find("path")
    border = 2
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path["d"]):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for i in range(int(float(a))):
                dark.add((int(x) + i - border, int(y) - border))
            x += float(a)
    return dark


def matrix_modules(text: str) -> set[tuple[int, int]]:
    """The dark modules of segno's own QR code of `text` (error correction M)."""
    code = segno.make_qr(text, error="m")
    return {(x, y) for y, row in enumerate(code.matrix) for x, v in enumerate(row) if v}


@pytest.fixture
def half_done(app: Flask, make_user: Any, make_campaign: Any) -> Any:
    """anna's drive of a 3-friend campaign, helped by bert and cora."""
    campaign = make_campaign(required_assists=3, drive_hours=24, assist_reward_coins=5)
    for name in ("anna", "bert", "cora", "dan", "erin"):
        make_user(name)
    anna = db.session.execute(sa.text("SELECT id FROM users WHERE username='anna'")).scalar()
    drive = campaigns.start_drive(campaign.id, anna)
    db.session.commit()
    for helper in ("bert", "cora"):
        assert login(app, helper).post(f"/d/{drive.code}/help").status_code == 302
    return drive.code, campaign.id


def test_one_slot_per_assist_with_the_helpers_initials(app: Flask, half_done: Any) -> None:
    code, _campaign = half_done
    page = soup_of(login(app, "anna").get(f"/d/{code}"))
    filled = [s.find("span").get_text() for s in page.select("[data-testid=slot-filled]")]
    assert filled == ["B", "C"]
    assert len(page.select("[data-testid=slot-open]")) == 1
    assert "2 of 3 friends helped" in page.select_one("[data-testid=drive-progress]").get_text()
    assert "Waiting for friends" in page.select_one("[data-testid=drive-status]").get_text()


def test_live_countdown_starts_from_the_servers_value(app: Flask, half_done: Any) -> None:
    code, _campaign = half_done
    page = soup_of(login(app, "anna").get(f"/d/{code}"))
    clock = page.select_one("[data-testid=time-left] .countdown")
    expires = db.session.execute(sa.select(Drive.expires_at)).scalars().first()
    assert clock["data-countdown"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert clock["data-expired-text"] == "Time is up"
    assert re.fullmatch(r"(23:59:\d\d|1 d 00:00:00)", clock.get_text()), clock.get_text()


def test_countdown_of_a_long_drive_counts_days(app: Flask, make_user: Any,
                                               make_campaign: Any) -> None:
    campaign = make_campaign(drive_hours=72)
    owner = make_user("anna")
    code = campaigns.start_drive(campaign.id, owner.id).code
    db.session.commit()
    client = login(app, "anna")
    english = soup_of(client.get(f"/d/{code}")).select_one(".countdown")
    assert re.fullmatch(r"(2 d 23:59:\d\d|3 d 00:00:00)", english.get_text())
    assert english["data-days-format"] == "%d d "
    chinese = soup_of(client.get(f"/d/{code}?lang=zh_Hans")).select_one(".countdown")
    assert re.fullmatch(r"(2 天 23:59:\d\d|3 天 00:00:00)", chinese.get_text())
    assert chinese["data-days-format"] == "%d 天 "


def test_share_sheet_has_copy_share_and_a_qr_code_of_the_link(app: Flask,
                                                             half_done: Any) -> None:
    code, _campaign = half_done
    page = soup_of(login(app, "anna").get(f"/d/{code}"))
    url = page.select_one("[data-testid=share-url]")["value"]
    assert url == f"http://localhost/d/{code}"
    assert page.select_one("[data-testid=copy-link]")["data-copy"] == url
    assert page.select_one("[data-testid=share]")["data-share-url"] == url
    figure = page.select_one("[data-testid=drive-qr]")
    assert figure["data-qr-text"] == url
    svg = figure.find("svg")
    assert svg is not None and "qr-code" in svg["class"]
    # the drawn modules are exactly those of a QR code of the drive's link
    assert qr_modules(svg) == matrix_modules(url)
    assert qr_modules(svg) != matrix_modules(url + "x")


def test_only_the_owner_gets_the_share_sheet(app: Flask, half_done: Any) -> None:
    code, _campaign = half_done
    for client in (login(app, "bert"), login(app, "dan"), app.test_client()):
        page = soup_of(client.get(f"/d/{code}"))
        assert page.select_one("[data-testid=share-sheet]") is None
        assert page.select_one("[data-testid=drive-qr]") is None


def test_helpers_are_invited_to_start_their_own(app: Flask, half_done: Any) -> None:
    code, campaign_id = half_done
    helper = soup_of(login(app, "bert").get(f"/d/{code}"))
    start = helper.select_one("[data-testid=start-own] a")
    assert start.get_text() == "Start your own"
    assert start["href"] == f"/campaigns#campaign-{campaign_id}"
    # the campaigns page has that anchor, with its Start a drive button
    campaigns_page = soup_of(login(app, "bert").get("/campaigns"))
    assert campaigns_page.select_one(f"#campaign-{campaign_id} [data-testid=start-drive-{campaign_id}]")
    # not for the owner, nor for a friend who has not helped an open drive yet
    for who in ("anna", "dan"):
        assert soup_of(login(app, who).get(f"/d/{code}")).select_one(
            "[data-testid=start-own]") is None
    # once it is complete, a late friend is invited too
    assert login(app, "dan").post(f"/d/{code}/help").status_code == 302
    late = soup_of(login(app, "erin").get(f"/d/{code}"))
    assert "Unlocked" in late.select_one("[data-testid=drive-status]").get_text()
    assert late.select_one("[data-testid=start-own]") is not None
    assert late.select_one("[data-testid=time-left]") is None


def test_signed_out_helper_is_brought_back_after_sign_in_or_register(app: Flask,
                                                                    half_done: Any) -> None:
    code, _campaign = half_done
    page = soup_of(app.test_client().get(f"/d/{code}"))
    assert page.select_one("[data-testid=sign-in-to-help]")["href"] == f"/login?next=/d/{code}"
    assert page.select_one("[data-testid=register-to-help]")["href"] == f"/register?next=/d/{code}"


def test_expired_drive_shows_no_clock(app: Flask, half_done: Any) -> None:
    code, _campaign = half_done
    db.session.execute(sa.update(Drive).values(expires_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    page = soup_of(login(app, "anna").get(f"/d/{code}"))
    assert "Time ran out" in page.select_one("[data-testid=drive-status]").get_text()
    assert page.select_one(".countdown") is None


def test_drive_page_speaks_chinese(app: Flask, half_done: Any) -> None:
    code, _campaign = half_done
    page = soup_of(login(app, "anna").get(f"/d/{code}?lang=zh_Hans"))
    text = page.get_text(" ")
    assert "已有 2/3 位好友助力" in text and "剩余时间" in text and "等待好友助力" in text
    assert page.select_one("[data-testid=copy-link]").get_text() == "复制链接"
    assert page.select_one("[data-testid=drive-qr]")["aria-label"] == "此助力链接的二维码"
    assert page.title.get_text().startswith("好友助力：")
    helper = soup_of(login(app, "bert").get(f"/d/{code}?lang=zh_Hans"))
    assert helper.select_one("[data-testid=start-own] a").get_text() == "我也要发起"
