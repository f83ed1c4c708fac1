"""The mall's domain errors, shared by redeeming (the hot path) and reading."""

from __future__ import annotations

from tokenmart.errors import Conflict, Forbidden, NotFound


class OutOfStock(Conflict):
    code, message = "out_of_stock", "This reward is sold out."


class LimitReached(Forbidden):
    code, message = "limit_reached", "You have redeemed this reward as often as allowed."


class RewardNotFound(NotFound):
    message = "No such reward, or it is not available now."
