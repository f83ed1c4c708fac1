"""Membership fixtures: cards made through the real service, the seed's coupon pack, a
frozen local clock, and a way to give a user earned value."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    """A moment in the app's default timezone (Asia/Shanghai)."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def make_card(app: Any) -> Any:
    """make_card("free", name=..., **fields) -> CardProgram (committed)."""
    from tokenmart.extensions import db
    from tokenmart.membership import programs

    def factory(kind: str = "free", **fields: Any) -> Any:
        data: dict[str, Any] = {"name": fields.pop("name", f"{kind} card"), "kind": kind,
                                "benefits": fields.pop("benefits", {})}
        data.update(fields)
        card = programs.create_card(None, data)
        db.session.commit()
        return card

    return factory


@pytest.fixture
def five_coupon_pack(app: Any) -> Any:
    """The seed's pack: five ¥8.00-off coupons (the worked example)."""
    from tokenmart.coupons import templates_service
    from tokenmart.extensions import db

    template = templates_service.create_template(
        actor_id=None, name="¥8 off", kind="amount_off", value=800, valid_days=60)
    pack = templates_service.create_pack(
        actor_id=None, name="Light pack", items=[{"template_id": template.id, "quantity": 5}])
    db.session.commit()
    return pack


@pytest.fixture
def grant(app: Any) -> Any:
    """grant(user, currency, amount): an admin grant (counts as earned)."""
    from tokenmart.extensions import db
    from tokenmart.ledger import service as ledger

    def factory(user: Any, currency: str, amount: int) -> None:
        ledger.transfer("adjustment", currency, amount, ledger.MINT, ledger.user(user.id),
                        memo="test grant", notify=False)
        db.session.commit()

    return factory
