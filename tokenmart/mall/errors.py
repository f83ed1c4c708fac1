"""The mall's domain errors, shared by redeeming (the hot path) and reading."""

from __future__ import annotations

from tokenmart.errors import N_, Conflict, Forbidden, NotFound


class OutOfStock(Conflict):
    code, message = "out_of_stock", N_("This reward is sold out.")


class LimitReached(Forbidden):
    code, message = "limit_reached", N_("You have redeemed this reward as often as allowed.")


class RewardNotFound(NotFound):
    message = N_("No such reward, or it is not available now.")
