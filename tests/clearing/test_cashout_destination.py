"""Cash-out asks where to be paid: the rule, the form, the API, the admin page and the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.clearing.helpers import ALIPAY, balances, count, sign_in
from tests.conftest import new_key
from tokenmart.clearing.destinations import check_destination, destination_errors, masked
from tokenmart.errors import ValidationError


@pytest.mark.parametrize(("method", "account", "stored"), [
    ("alipay", "138 0013 8000", "13800138000"),
    ("alipay", "Ann.Lee@Example.com", "ann.lee@example.com"),
    ("wechat", "ann_lee-88", "ann_lee-88"),
    ("wechat", "139-1234-5678", "13912345678"),
    ("bank", "6222 0212 3456 7890 123", "6222021234567890123"),
])
def test_destination_is_normalised(app: Any, method: str, account: str, stored: str) -> None:
    with app.test_request_context("/"):
        assert check_destination(method, " Ann Lee ", account).account == stored
        assert check_destination(method, " Ann Lee ", account).account_name == "Ann Lee"


@pytest.mark.parametrize(("method", "name", "account", "bad"), [
    ("paypal", "Ann", "13800138000", "payout_method"),
    (None, "Ann", "13800138000", "payout_method"),
    ("alipay", "", "13800138000", "payout_account_name"),
    ("alipay", "A" * 61, "13800138000", "payout_account_name"),
    ("alipay", "Ann\x00", "13800138000", "payout_account_name"),
    ("alipay", "Ann", "12345", "payout_account"),
    ("alipay", "Ann", "not an email", "payout_account"),
    ("wechat", "Ann", "1abcdef", "payout_account"),
    ("wechat", "Ann", "ab", "payout_account"),
    ("bank", "Ann", "1234 5678", "payout_account"),
    ("bank", "Ann", "6222abcd34567890", "payout_account"),
    ("bank", "Ann", "6" * 5000, "payout_account"),
    ("alipay", "Ann", "138\x000138000", "payout_account"),
])
def test_destination_rule_refuses(app: Any, method: Any, name: str, account: str, bad: str) -> None:
    with app.test_request_context("/"):
        assert bad in destination_errors(method, name, account)
        with pytest.raises(ValidationError) as caught:
            check_destination(method, name, account)
        assert bad in caught.value.details["fields"]


def test_masked_keeps_only_enough_to_recognise() -> None:
    assert masked("6222021234567890123") == "•••• 0123"
    assert masked("ann.lee@example.com") == "a•••@example.com"
    assert masked(None) == ""


def test_cashout_page_asks_where_to_be_paid_and_confirms(client: Any, make_user: Any) -> None:
    make_user("ann", credit=1000)
    sign_in(client, "ann")
    html = client.get("/wallet/cashouts").get_data(as_text=True)
    assert "<title>Cash out credits" in html
    for name in ("amount", "payout_method", "payout_account_name", "payout_account"):
        assert f'name="{name}"' in html
    assert '<option value="alipay">Alipay</option>' in html
    assert "data-confirm=" in html and "data-confirm-template=" in html
    assert "Withdraw %(amount)s" not in html  # placeholders filled for the script, not raw


def test_cashout_stores_the_destination_and_shows_it_masked(client: Any, make_user: Any,
                                                            admin: Any) -> None:
    ann = make_user("ann", credit=1000)
    sign_in(client, "ann")
    resp = client.post("/wallet/cashouts", data={"amount": "2.50", **ALIPAY})
    assert resp.status_code == 302
    from tokenmart.clearing.models import Cashout
    from tokenmart.extensions import db

    row = db.session.query(Cashout).one()
    assert (row.amount_cents, row.payout_method, row.payout_account_name, row.payout_account) == (
        250, "alipay", "Ann Lee", "13800138000")
    assert balances(ann)["credit"] == 750
    wallet = client.get("/wallet").get_data(as_text=True)
    assert "Alipay" in wallet and "•••• 8000" in wallet and "13800138000" not in wallet.split(
        'data-testid="cashouts"')[1]
    assert "Awaiting payout" in wallet
    # The next request starts from the same destination (once the first is paid: while it
    # waits for review the page says so instead of offering the form)
    from tokenmart.clearing.cashouts import approve_cashout

    approve_cashout(row.id, actor_id=admin.id, external_ref="ALIPAY-1")
    db.session.commit()
    page = client.get("/wallet/cashouts").get_data(as_text=True)
    assert 'value="Ann Lee"' in page and 'value="13800138000"' in page


@pytest.mark.parametrize("amount", ["sNaN", "NaN", "-Infinity", "1e309", "99999999999999999999999",
                                    "-5", "0", "1.005", "abc", "", "1e-999999999999999999",
                                    "1e999999999999999999", "1" * 5000, "12\x00"])
def test_bad_amount_is_a_field_error_with_input_kept(client: Any, make_user: Any,
                                                     amount: str) -> None:
    make_user("ann", credit=1000)
    sign_in(client, "ann")
    resp = client.post("/wallet/cashouts", data={"amount": amount, **ALIPAY})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    field = re.search(r'<input[^>]*name="amount"[^>]*>', html)
    assert field and 'aria-invalid="true"' in field.group(0)
    if amount:
        assert f'value="{amount}"' in field.group(0)
    assert 'value="Ann Lee"' in html  # the destination typed is kept too
    assert count("cashouts") == 0


def test_missing_destination_is_refused_with_amount_kept(client: Any, make_user: Any) -> None:
    make_user("ann", credit=1000)
    sign_in(client, "ann")
    resp = client.post("/wallet/cashouts", data={"amount": "2.00", "payout_method": "bank",
                                                  "payout_account_name": "Ann",
                                                  "payout_account": "12 34"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "12 to 19 digits" in html and 'value="2.00"' in html
    assert count("cashouts") == 0


def test_rule_errors_rerender_with_input_kept(client: Any, make_user: Any) -> None:
    make_user("ann", credit=150)
    sign_in(client, "ann")
    low = client.post("/wallet/cashouts", data={"amount": "0.50", **ALIPAY})
    assert low.status_code == 422 and "The minimum cash-out is ¥1.00" in low.get_data(as_text=True)
    broke = client.post("/wallet/cashouts", data={"amount": "5.00", **ALIPAY})
    assert broke.status_code == 409
    assert "You do not have that many credits" in broke.get_data(as_text=True)
    assert 'value="5.00"' in broke.get_data(as_text=True)
    assert client.post("/wallet/cashouts", data={"amount": "1.00", **ALIPAY}).status_code == 302
    again = client.post("/wallet/cashouts", data={"amount": "0.50", **ALIPAY} | {"amount": "1.00"})
    assert again.status_code == 409
    assert "already have a cash-out waiting" in again.get_data(as_text=True)


def test_api_amount_alone_still_works(app: Any, api: Any, make_user: Any) -> None:
    ann = make_user("ann", credit=1000)
    resp = api(ann).post("/api/v1/cashouts", json={"amount_cents": 300}, key=new_key())
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["payout_method"] is None and body["payout_account"] is None


def test_api_accepts_a_destination(app: Any, api: Any, make_user: Any) -> None:
    ann = make_user("ann", credit=1000)
    resp = api(ann).post("/api/v1/cashouts", key=new_key(), json={
        "amount_cents": 300, "payout_method": "bank", "payout_account_name": "Ann Lee",
        "payout_account": "6222 0212 3456 7890"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert (body["payout_method"], body["payout_account_name"], body["payout_account"]) == (
        "bank", "Ann Lee", "6222021234567890")


@pytest.mark.parametrize(("extra", "field"), [
    ({"payout_method": "alipay"}, "payout_account"),
    ({"payout_method": "alipay", "payout_account_name": "Ann", "payout_account": "123"},
     "payout_account"),
    ({"payout_method": "cash", "payout_account_name": "Ann", "payout_account": "13800138000"},
     "payout_method"),
    ({"payout_account": "13800138000"}, "payout_method"),
])
def test_api_refuses_a_half_or_bad_destination(app: Any, api: Any, make_user: Any,
                                                extra: dict[str, str], field: str) -> None:
    ann = make_user("ann", credit=1000)
    resp = api(ann).post("/api/v1/cashouts", json={"amount_cents": 300, **extra}, key=new_key())
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in str(error["details"])
    assert count("cashouts") == 0 and balances(ann)["credit"] == 1000


def test_openapi_documents_the_destination_fields(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    cashout_in = next(v for k, v in schemas.items() if k.startswith("CashoutIn"))
    assert {"payout_method", "payout_account_name", "payout_account"} <= set(cashout_in["properties"])
    assert cashout_in["required"] == ["amount_cents"]
    enum = cashout_in["properties"]["payout_method"]["enum"]
    assert [v for v in enum if v is not None] == ["alipay", "wechat", "bank"]


def test_csv_export_has_the_destination_and_is_formula_safe(
        app: Any, api: Any, admin: Any, make_user: Any) -> None:
    ann = make_user("ann", credit=1000)
    cid = api(ann).post("/api/v1/cashouts", key=new_key(), json={
        "amount_cents": 300, "payout_method": "alipay", "payout_account_name": "=HYPERLINK(1)",
        "payout_account": "13800138000"}).get_json()["id"]
    boss = api(admin)
    assert boss.post(f"/api/v1/admin/cashouts/{cid}/approve",
                     json={"external_ref": "AP-1"}).status_code == 200
    rows = list(csv.reader(io.StringIO(boss.get("/api/v1/admin/cashouts/export.csv")
                                       .get_data(as_text=True))))
    assert rows[0][7:10] == ["payout_method", "payout_account_name", "payout_account"]
    assert rows[1][2:6] == ["ann", "300", "3.00", "AP-1"]
    assert rows[1][7:10] == ["alipay", "'=HYPERLINK(1)", "13800138000"]
    # the page shows the decision in the app's timezone; so does the batch, beside UTC
    assert rows[0][-1] == "approved_at_local"
    approved_utc = datetime.fromisoformat(rows[1][6])
    local = datetime.fromisoformat(rows[1][-1])
    assert local.utcoffset() == approved_utc.astimezone(ZoneInfo(app.config["TIMEZONE"])).utcoffset()
    assert local == approved_utc.replace(microsecond=0)


@pytest.mark.parametrize(("amount", "message"), [
    ("abc", "Not a valid decimal value"), ("1e309", "Enter an ordinary number"),
    ("sNaN", "Enter an ordinary number"), ("1e999999999999999999", "Enter an ordinary number"),
    ("-5", "between 0.01 and 1000000"), ("1.005", "at most two decimals"),
    # typed digit by digit, too big: the range says what the field takes
    ("99999999999999999999", "between 0.01 and 1000000"), ("9" * 60, "between 0.01 and 1000000"),
    ("9" * 60 + ".5", "between 0.01 and 1000000"), ("-" + "9" * 30, "between 0.01 and 1000000"),
])
def test_bad_amount_says_why(client: Any, make_user: Any, amount: str, message: str) -> None:
    make_user("ann", credit=1000)
    sign_in(client, "ann")
    html = client.post("/wallet/cashouts", data={"amount": amount, **ALIPAY}).get_data(as_text=True)
    errors = re.findall(r'<small class="error">([^<]*)</small>', html)
    assert len(errors) == 1 and message in errors[0], errors
