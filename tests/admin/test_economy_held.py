"""The economy's all-time figures add up: issued = used up + in wallets + held + kept by the
platform, with "held" every amount that is not the platform's, by what holds it (open
swaps, cash-outs, light-card fees, causes' gifts). The dashboard once left the light-card
holds and the causes out of "held" and implied the platform kept users' ¥20.00."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD
from tokenmart.admin import economy
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.ledger.models import CURRENCIES, Account, Entry

#: where value comes from and where it ends (the dashboard's issued and used-up flows)
ISSUERS = {"mint", "payout_funding"}
SINKS = {"burn", "clearing_pool", "paid_out"}
#: the system accounts the platform keeps value in for itself
PLATFORM_OWN = {"membership_revenue"}


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return {"BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}  # demo photos stay in this test


@pytest.fixture
def demo(app: Any) -> Any:
    from tokenmart.demo import run_demo

    ctx = run_demo()
    db.session.commit()
    return ctx


def _system_balances() -> dict[str, dict[str, int]]:
    """code -> currency -> balance of every system account, summed from its entries."""
    rows = db.session.execute(
        sa.select(Account.system_code, Entry.currency, sa.func.sum(Entry.amount))
        .join(Entry, Entry.account_id == Account.id)
        .where(Account.system_code.is_not(None))
        .group_by(Account.system_code, Entry.currency)).all()
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for code, currency, total in rows:
        found[code][currency] = int(total)
    return found


def test_held_accounts_are_the_owning_domains_own() -> None:
    """HELD_FOR names other domains' accounts by their codes; here they are held to them."""
    from tokenmart.barter.models import ESCROW_ACCOUNT
    from tokenmart.causes.causes_service import account_code
    from tokenmart.clearing.cashouts import PENDING
    from tokenmart.membership.models import HOLD_ACCOUNT

    assert economy.HELD_FOR["swaps"] == (ESCROW_ACCOUNT,)
    assert economy.HELD_FOR["cashouts"] == (PENDING.code,)
    assert economy.HELD_FOR["light_cards"] == (HOLD_ACCOUNT,)
    assert all(account_code(7).startswith(p) for p in economy.HELD_FOR["causes"])
    assert economy.holder_of(account_code(12)) == "causes"
    assert economy.holder_of("membership_revenue") is None
    assert economy.holder_of("causes_elsewhere") is None


def test_the_demo_figures_add_up(app: Any, demo: Any, make_user: Any) -> None:
    # a card bought with credits: revenue the platform keeps
    buyer = make_user("buyer", credit=150)
    ledger.transfer("card_purchase", "credit", 120, ledger.user(buyer.id),
                    ledger.system("membership_revenue"), notify=False)
    db.session.commit()
    balances = _system_balances()
    unknown = set(balances) - ISSUERS - SINKS - PLATFORM_OWN - {
        code for code in balances if economy.holder_of(code)}
    assert not unknown, f"classify these system accounts in economy.HELD_FOR or here: {unknown}"
    data = economy.dashboard(7)
    for currency in CURRENCIES:
        f = data["totals"][currency]
        held_accounts = sum(b.get(currency, 0) for code, b in balances.items()
                            if economy.holder_of(code))
        own = sum(b.get(currency, 0) for code, b in balances.items() if code in PLATFORM_OWN)
        assert f.escrow == held_accounts == sum(data["held"][currency].values()), currency
        assert data["kept"][currency] == own, currency
        assert f.issued == f.burned + f.outstanding + f.escrow + data["kept"][currency], currency
    held_credits = data["held"]["credit"]
    assert held_credits["light_cards"] == ledger.system_balance("membership_holds", "credit") > 0
    assert held_credits["causes"] > 0 and data["held"]["coin"]["causes"] > 0
    assert data["held"]["flower"]["swaps"] == ledger.system_balance("escrow", "flower") > 0
    assert data["kept"]["credit"] == 120
    # the newest period's held column says the same as the all-time one
    assert data["windows"][-1].currencies["credit"].escrow == data["totals"]["credit"].escrow


def _cells(soup: BeautifulSoup, testid: str) -> list[str]:
    row = soup.select_one(f"[data-testid={testid}]")
    return [td.get_text(strip=True) for td in row.find_all("td")]


def _cents(text: str) -> int:
    return round(float(re.sub(r"[¥,]", "", text)) * 100)


def test_the_pages_show_what_holds_the_money(client: Any, demo: Any) -> None:
    from tokenmart.demo import ADMIN_PASSWORD

    client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    for path in ("/admin/economy", "/admin/"):
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        issued, burned, in_wallets, held, kept = (_cents(c) for c in _cells(soup, "totals-credit"))
        assert issued == burned + in_wallets + held + kept, path
        assert kept == 0 and held == ledger.system_balance("membership_holds", "credit") + sum(
            b.get("credit", 0) for code, b in _system_balances().items()
            if code.startswith("cause:"))
        held_list = soup.select_one("[data-testid=held]").get_text(" ", strip=True)
        assert "Light-card fees held ¥20.00" in held_list, path
        assert re.search(r"Donations held by causes ¥0\.\d\d", held_list), held_list
        assert re.search(r"Donations held by causes [\d,]+ coins", held_list), held_list
        assert re.search(r"Prices held in open swaps [\d,]+ little red flowers", held_list)
        text = soup.get_text(" ", strip=True)
        assert "a difference is what the platform keeps" not in text
        assert "the four add up to it" in text
    client.get("/?lang=zh_Hans")
    soup = BeautifulSoup(client.get("/admin/economy").get_data(as_text=True), "html.parser")
    held_list = soup.select_one("[data-testid=held]").get_text(" ", strip=True)
    assert "轻享卡冻结的费用" in held_list and "公益项目持有的捐赠" in held_list


def test_nothing_held_reads_as_such(client: Any, admin: Any) -> None:
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    soup = BeautifulSoup(client.get("/admin/economy").get_data(as_text=True), "html.parser")
    assert soup.select_one("[data-testid=held]").get_text(strip=True) == "Nothing is held for anyone."
