"""The analytics pages as an admin sees them: charts, tiles, words in both languages, CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.analytics.conftest import bulk_users, make_segment
from tests.conftest import PASSWORD
from tests.crawler import Page, check_page, content_strings


def _sign_in(client: Any, username: str) -> None:
    assert client.post("/login", data={"username": username,
                                       "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
def test_report_pages_show_charts_and_words(client: Any, known_campaign: dict[str, Any],
                                            chinese: bool) -> None:
    from tokenmart.extensions import db

    cid = known_campaign["campaign"].id
    _sign_in(client, "boss")
    client.get("/?lang=" + ("zh_Hans" if chinese else "en"))
    index = client.get("/admin/analytics")
    assert index.status_code == 200
    assert f"/admin/analytics/campaign/{cid}" in index.get_data(as_text=True)
    response = client.get(f"/admin/analytics/campaign/{cid}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    soup = BeautifulSoup(body, "html.parser")
    for testid in ("funnel-chart", "curves-chart", "cost-tiles", "funnel-table"):
        assert soup.select_one(f'[data-testid="{testid}"]') is not None, testid
    assert soup.select_one('[data-testid="tile-cost"]').get_text(strip=True) == "¥10.08"
    assert soup.select_one('[data-testid="tile-per_acquired_cents"]').get_text(
        strip=True) == "¥5.04"
    content = content_strings(db.session)
    problems = []
    for path, page in (("/admin/analytics", index), (f"/admin/analytics/campaign/{cid}", response)):
        html = page.get_data(as_text=True)
        soup = BeautifulSoup(html, "html.parser")
        for nav in soup.select("nav"):  # other domains' menu entries are theirs to translate
            nav.decompose()
        problems += check_page(Page(path, 200, str(soup), soup), chinese, content)
    assert not problems, problems


def test_csv_downloads_every_table(client: Any, known_campaign: dict[str, Any]) -> None:
    cid = known_campaign["campaign"].id
    _sign_in(client, "boss")
    response = client.get(f"/admin/analytics/campaign/{cid}/funnel.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["stage", "label", "count", "rate"]
    assert {r[0]: int(r[2]) for r in rows[1:]}["assists"] == 3
    for table in ("acquisition", "cost", "effect"):
        assert client.get(f"/admin/analytics/campaign/{cid}/{table}.csv").status_code == 200
    cost = dict((r[0], r[2]) for r in csv.reader(io.StringIO(client.get(
        f"/admin/analytics/campaign/{cid}/cost.csv").get_data(as_text=True))))
    assert cost["cost_cents"] == "1008"
    # a campaign has no holdout: no uplift table; unknown tables and subjects are 404
    assert client.get(f"/admin/analytics/campaign/{cid}/uplift.csv").status_code == 404
    assert client.get(f"/admin/analytics/campaign/{cid}/secrets.csv").status_code == 404
    assert client.get(f"/admin/analytics/campaign/{cid + 99}").status_code == 404


def test_pages_are_admin_only(client: Any, known_campaign: dict[str, Any],
                              make_user: Any) -> None:
    make_user("plain")
    _sign_in(client, "plain")
    cid = known_campaign["campaign"].id
    assert client.get("/admin/analytics").status_code == 403
    assert client.get(f"/admin/analytics/campaign/{cid}/funnel.csv").status_code == 403


def test_uplift_section_and_csv(client: Any, admin: Any, make_template: Any) -> None:
    from tokenmart.admin.rfm import grant_to_segment
    from tokenmart.extensions import db

    snapshot_id = make_segment(bulk_users(30))
    template = make_template(name="Tiny", value=100, claimable=False)
    grant = grant_to_segment(snapshot_id, "loyal", template.id, admin.id, holdout_percent=10)
    db.session.commit()
    _sign_in(client, "admin")
    page = client.get(f"/admin/analytics/segment-grant/{grant.id}")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.select_one('[data-testid="uplift-chart"]') is not None
    assert soup.select_one('[data-testid="too-small"]') is not None
    rows = list(csv.reader(io.StringIO(client.get(
        f"/admin/analytics/segment-grant/{grant.id}/uplift.csv").get_data(as_text=True))))
    assert rows[0][:5] == ["metric", "label", "treated_mean", "control_mean", "difference"]
    assert len(rows) == 7


def test_segment_page_grants_with_a_holdout(client: Any, admin: Any, make_template: Any) -> None:
    from tokenmart.admin.models import SegmentGrant
    from tokenmart.extensions import db

    snapshot_id = make_segment(bulk_users(40))
    template = make_template(name="Web grant", value=100, claimable=False)
    _sign_in(client, "admin")
    page = client.get("/admin/segments?segment=loyal")
    assert 'data-testid="holdout-percent"' in page.get_data(as_text=True)
    token = BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one(
        'input[name="csrf_token"]')
    data = {"snapshot_id": snapshot_id, "segment": "loyal", "template_id": template.id,
            "holdout_percent": 25}
    if token is not None:
        data["csrf_token"] = token["value"]
    assert client.post("/admin/segments/grant", data=data).status_code == 302
    grant = db.session.query(SegmentGrant).one()
    assert (grant.issued, grant.held_out, grant.holdout_percent) == (30, 10, 25)


def test_report_names_read_in_the_readers_language(client: Any, api: Any,
                                                  known_campaign: dict[str, Any]) -> None:
    """The Chinese index listed "Ask 3 friends: ¥20 off" though its 邀请 3 位好友 was saved."""
    from tokenmart.extensions import db

    campaign = known_campaign["campaign"]
    entered = campaign.title
    campaign.translations = {"zh_Hans": {"title": "邀请好友立减"}}
    db.session.commit()
    _sign_in(client, "boss")
    index = client.get("/admin/analytics?lang=zh_Hans").get_data(as_text=True)
    assert "邀请好友立减" in index and entered not in index
    report = BeautifulSoup(client.get(f"/admin/analytics/campaign/{campaign.id}?lang=zh_Hans")
                           .get_data(as_text=True), "html.parser")
    assert report.select_one("[data-testid=report-title]").get_text() == "邀请好友立减"
    english = client.get(f"/admin/analytics/campaign/{campaign.id}?lang=en").get_data(as_text=True)
    assert entered in english
    boss = api(known_campaign["admin"])
    answer = boss.get(f"/api/v1/admin/reports/campaign/{campaign.id}",
                      headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["subject"]["name"] == entered  # the API keeps the entered name


def test_a_small_uplift_axis_reads_its_digits() -> None:
    from tokenmart.analytics.charts import interval_chart

    svg = str(interval_chart([("Orders", 0.001, -0.002, 0.004)], title="Uplift"))
    assert ">-0.004<" in svg and ">0.004<" in svg and "-0.00<" not in svg
