"""Factories for coupon templates, packs and campaigns, made through the real services."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask


@pytest.fixture
def make_template(app: Flask) -> Any:
    """make_template(kind="amount_off", value=500, claimable=True, ...) -> CouponTemplate."""
    from tokenmart.coupons.templates_service import create_template
    from tokenmart.extensions import db

    def factory(**fields: Any) -> Any:
        data: dict[str, Any] = {"name": "5 off", "kind": "amount_off", "value": 500,
                                "claimable": True}
        data.update(fields)
        template = create_template(actor_id=None, **data)
        db.session.commit()
        return template

    return factory


@pytest.fixture
def make_campaign(app: Flask, make_template: Any) -> Any:
    """make_campaign(required_assists=3, assist_reward_coins=5, ...) -> Campaign."""
    from tokenmart.coupons.campaigns_service import create_campaign
    from tokenmart.extensions import db

    def factory(**fields: Any) -> Any:
        if "template_id" not in fields:
            fields["template_id"] = make_template(name="Unlocked 10 off", value=1000,
                                                  claimable=False).id
        data: dict[str, Any] = {"title": "Ask 3 friends", "required_assists": 3,
                                "assist_reward_coins": 5}
        data.update(fields)
        campaign = create_campaign(actor_id=None, **data)
        db.session.commit()
        return campaign

    return factory
