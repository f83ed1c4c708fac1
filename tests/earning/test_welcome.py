"""The optional welcome bonus: off by default, paid once at registration when set."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.earning.conftest import balances, transactions_of


def test_welcome_bonus_is_off_by_default(app: Any, make_user: Any) -> None:
    user = make_user("newbie")
    assert transactions_of("welcome") == []
    assert balances(user) == {"flower": 0, "coin": 0, "credit": 0}


def test_welcome_bonus_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenmart.earning.settings import defaults

    assert defaults()["WELCOME_BONUS_FLOWERS"] == 0 and defaults()["WELCOME_BONUS_COINS"] == 0
    monkeypatch.setenv("TOKENMART_WELCOME_BONUS_FLOWERS", "20")
    monkeypatch.setenv("TOKENMART_WELCOME_BONUS_COINS", "30")
    assert defaults()["WELCOME_BONUS_FLOWERS"] == 20 and defaults()["WELCOME_BONUS_COINS"] == 30


class TestWithBonus:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"WELCOME_BONUS_FLOWERS": 20, "WELCOME_BONUS_COINS": 30}

    def test_registering_on_the_web_pays_it_once_and_tells_the_user(self, app: Any) -> None:
        from tokenmart.accounts.service import find_by_username
        from tokenmart.notifications.service import list_for, render

        browser = app.test_client()
        resp = browser.post("/register", data={"username": "newbie", "password": PASSWORD,
                                               "confirm": PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
        user = find_by_username("newbie")
        assert user is not None
        assert balances(user) == {"flower": 20, "coin": 30, "credit": 0}
        [txn] = transactions_of("welcome")
        assert txn.idempotency_key == f"welcome:{user.id}"
        texts = sorted(render(n) for n in list_for(user.id, None, 10).items)
        assert texts == ["+20 little red flowers: welcome bonus for joining tokenmart",
                         "+30 coins: welcome bonus for joining tokenmart"]

    def test_paying_again_pays_nothing(self, app: Any, make_user: Any) -> None:
        from tokenmart.earning.welcome import pay_welcome_bonus
        from tokenmart.extensions import db

        user = make_user("newbie")  # registration paid it
        assert pay_welcome_bonus(user.id) is False
        db.session.commit()
        assert balances(user) == {"flower": 20, "coin": 30, "credit": 0}
        assert len(transactions_of("welcome")) == 1

    def test_registering_by_the_api_pays_it_too(self, app: Any, api: Any) -> None:
        from tokenmart.accounts.service import find_by_username

        resp = api().post("/api/v1/users", {"username": "apinewbie", "password": PASSWORD})
        assert resp.status_code == 201
        assert balances(find_by_username("apinewbie"))["flower"] == 20

    def test_welcome_coins_do_not_count_as_task_coins(self, app: Any, make_user: Any) -> None:
        from tokenmart.earning.leaderboard import weekly_leaderboard
        from tokenmart.earning.tiers import coins_earned

        user = make_user("newbie")
        assert coins_earned(user.id) == 0
        assert weekly_leaderboard()["items"] == []


class TestFlowersOnly:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"WELCOME_BONUS_FLOWERS": 5}

    def test_only_the_configured_currency_is_paid(self, app: Any, make_user: Any) -> None:
        user = make_user("newbie")
        assert balances(user) == {"flower": 5, "coin": 0, "credit": 0}
