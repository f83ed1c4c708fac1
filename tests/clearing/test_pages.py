"""The wallet section and the admin pages: guards, forms and what they show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tests.clearing.helpers import T0, balances, count
from tests.conftest import PASSWORD
from tokenmart.clearing import engine, periods
from tokenmart.extensions import db

ALIPAY = {"payout_method": "alipay", "payout_account_name": "Ann Lee",
          "payout_account": "138 0013 8000"}


def _sign_in(client: Any, username: str) -> None:
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302


@pytest.mark.parametrize("path", ["/admin/periods", "/admin/periods/1", "/admin/cashouts",
                                  "/admin/cashouts/export.csv"])
def test_admin_pages_are_admin_only(client: Any, make_user: Any, path: str) -> None:
    assert client.get(path).status_code == 302  # to sign-in
    make_user("ann")
    _sign_in(client, "ann")
    assert client.get(path).status_code == 403


def test_admin_forms_close_add_margin_and_clear(client: Any, admin: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=1000)
        _sign_in(client, "admin")
        traveller.shift(timedelta(hours=1))
        assert client.post("/admin/periods/close").status_code == 302
        pid = periods.current_period().id - 1
        resp = client.post(f"/admin/periods/{pid}/margin-entries",
                           data={"kind": "revenue", "amount": "2.50", "memo": "ads"})
        assert resp.status_code == 302
        assert periods.margin_of(pid) == 250
        assert client.post(f"/admin/periods/{pid}/clear").status_code == 302
        page = client.get(f"/admin/periods/{pid}").get_data(as_text=True)
        assert "1,000 coins = ¥0.75" in page
        again = client.post(f"/admin/periods/{pid}/margin-entries",
                            data={"kind": "revenue", "amount": "1.00"}, follow_redirects=True)
        assert "its margin is final" in again.get_data(as_text=True)
    assert balances(ann)["credit"] == 75 and periods.margin_of(pid) == 250


def test_wallet_shows_rate_chart_and_cashout_form(client: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=2000)
        traveller.shift(timedelta(hours=1))
        period = periods.current_period()
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=1000, memo="x")
        pid = periods.close_current().id
        db.session.commit()
        engine.clear_period(pid)
        _sign_in(client, "ann")
        html = client.get("/wallet").get_data(as_text=True)
        assert "1,000 coins = ¥1.00" in html  # 300 pool capped at 200 for 2000 coins
        assert html.count("<rect ") == 1
        resp = client.post("/wallet/cashouts", data={"amount": "0.50", **ALIPAY},
                           follow_redirects=True)
        assert "The minimum cash-out is ¥1.00" in resp.get_data(as_text=True)
        resp = client.post("/wallet/cashouts", data={"amount": "1.20", **ALIPAY},
                           follow_redirects=True)
        assert "Cash-out of ¥1.20 requested" in resp.get_data(as_text=True)
    assert balances(ann)["credit"] == 80
    assert count("cashouts", "status = 'pending'") == 1


def test_the_cashout_form_shows_only_when_it_can_be_used(client: Any, make_user: Any) -> None:
    """Below the minimum, or with a request waiting for review, the wallet and the cash-out
    page say why instead of offering a form the request would be refused by."""
    make_user("ann", credit=99)  # ¥0.99: the minimum is ¥1.00
    _sign_in(client, "ann")
    for path in ("/wallet", "/wallet/cashouts"):
        html = client.get(path).get_data(as_text=True)
        assert 'data-testid="cashout-form"' not in html, path
        assert "You can cash out from ¥1.00 of credits; you have ¥0.99." in html, path
    make_user("bea", credit=500)
    client.post("/logout")
    _sign_in(client, "bea")
    assert 'data-testid="cashout-form"' in client.get("/wallet").get_data(as_text=True)
    resp = client.post("/wallet/cashouts", data={"amount": "1.20", **ALIPAY},
                       follow_redirects=True)
    assert "Cash-out of ¥1.20 requested" in resp.get_data(as_text=True)
    for path in ("/wallet", "/wallet/cashouts"):
        html = client.get(path).get_data(as_text=True)
        assert 'data-testid="cashout-form"' not in html, path
        assert "Your cash-out of ¥1.20 is waiting for review." in html, path
    # The service still refuses a second request sent anyway (an old tab, a script).
    resp = client.post("/wallet/cashouts", data={"amount": "1.00", **ALIPAY})
    assert resp.status_code == 409
    assert "You already have a cash-out waiting for review." in resp.get_data(as_text=True)
    assert count("cashouts", "status = 'pending'") == 1


def test_rate_reads_in_chinese(app: Any) -> None:
    from flask_babel import force_locale

    from tokenmart.clearing.views import rate_text

    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert rate_text(53) == "1,000 金币 = ¥0.53"
    with app.test_request_context("/"), force_locale("en"):
        assert rate_text(53) == "1,000 coins = ¥0.53"
