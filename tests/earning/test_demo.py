"""The demo gives a new user a living Tasks page: check-in history and paid shares."""

from __future__ import annotations

from typing import Any

from tests.earning.conftest import balances, count_rows, transactions_of


def test_demo_seeds_checkins_and_shares(app: Any) -> None:
    from tokenmart.accounts import demo as accounts_demo
    from tokenmart.core.clock import local_today
    from tokenmart.demo import DemoContext
    from tokenmart.earning import demo as earning_demo
    from tokenmart.earning.models import Checkin, ShareVisit
    from tokenmart.earning.service import checkin_month

    ctx = DemoContext()
    accounts_demo.seed(ctx)
    earning_demo.seed(ctx)
    assert count_rows(Checkin) == 36
    today = local_today()
    carol = checkin_month(ctx.users["carol"].id, today.year, today.month)
    assert carol["streak"] == 6 and carol["next_reward"] == {"coin": 50, "flower": 5}
    assert count_rows(ShareVisit, ShareVisit.rewarded.is_(True)) == 4
    assert len(transactions_of("share")) == 4
    assert balances(ctx.users["alice"])["coin"] > 30
