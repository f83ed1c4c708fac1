"""Twenty simultaneous check-ins by one user: one 201, nineteen 409, one transaction."""

from __future__ import annotations

import threading
from typing import Any

from tests.earning.conftest import balances, count_rows, transactions_of


def test_twenty_concurrent_checkins_pay_once(app: Any, make_user: Any, token_for: Any) -> None:
    from tokenmart.earning.models import Checkin
    from tokenmart.extensions import db

    user = make_user("alice")
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    db.session.rollback()  # hold no transaction while the threads race
    n = 20
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    codes: list[str] = []

    def attempt() -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            resp = client.post("/api/v1/checkins", headers=headers)
            statuses.append(resp.status_code)
            if resp.status_code != 201:
                codes.append(resp.get_json()["error"]["code"])

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * (n - 1)
    assert codes == ["already_checked_in"] * (n - 1)
    assert count_rows(Checkin) == 1
    assert len(transactions_of("checkin")) == 1
    assert balances(user)["coin"] == 5
