"""Mall fixtures: make_reward(...) creates a reward through the real service."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def make_reward(app: Any) -> Any:
    """make_reward(price=10, stock=5, grant="physical", codes=[...], **fields) -> Reward."""
    from tokenmart.extensions import db
    from tokenmart.mall import service

    def factory(name: str = "Tote bag", *, price: int = 10, currency: str = "flower",
                grant: str = "physical", codes: list[str] | None = None, **fields: Any) -> Any:
        spec: dict[str, Any] = {"type": grant}
        if codes is not None:
            spec["codes"] = codes
        reward = service.create_reward(
            None, {"name": name, "currency": currency, "price": price, "grant": spec, **fields}
        )
        db.session.commit()
        return reward

    return factory
