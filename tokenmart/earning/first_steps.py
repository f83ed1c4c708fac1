"""The first-run checklist on home: a few first things to do, each done-state read from data.

A step is a function `user_id -> FirstStep`; `register_first_step(fn)` adds one, in
order. Earning registers "check in" itself. The coupon and listing steps are registered
here too, reading the coupons and barter domains only through their public service
functions (read-only), because those domains' files belong to other teams today; moving
each registration next to its domain (coupons/views.py, barter/views.py) would be
cleaner and changes nothing else.

Whether the user dismissed the list is the caller's business (the home page keeps it in
the session); `first_steps()` only says what is done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from tokenmart.extensions import db

from .models import Checkin


@dataclass(frozen=True)
class FirstStep:
    #: stable id, used in tests and as data-step in the page
    key: str
    #: what to do, in the reader's language
    label: Any
    done: bool
    #: where to do it
    url: str


StepFn = Callable[[int], FirstStep]
#: the checklist, in the order shown
FIRST_STEPS: list[StepFn] = []


def register_first_step(step: StepFn) -> None:
    """Add a step to the first-run checklist (once; registering it again is a no-op)."""
    if step not in FIRST_STEPS:
        FIRST_STEPS.append(step)


def first_steps(user_id: int) -> list[FirstStep]:
    """Every registered step for the user, each with its done-state read from data now."""
    return [step(user_id) for step in FIRST_STEPS]


def _checked_in_step(user_id: int) -> FirstStep:
    done = db.session.execute(
        sa.select(Checkin.id).where(Checkin.user_id == user_id).limit(1)
    ).first() is not None
    return FirstStep("checkin", _l("Check in for your first coins"), done,
                     url_for("earning.tasks") + "#checkin")


def _coupon_step(user_id: int) -> FirstStep:
    # Coupons domain, read through its service: any coupon the user holds, in any state.
    from tokenmart.coupons.coupon_service import list_coupons

    done = bool(list_coupons(user_id, None, None, 1).items)
    return FirstStep("coupon", _l("Claim your first coupon"), done, url_for("coupons.mine"))


def _listing_step(user_id: int) -> FirstStep:
    # Barter domain, read through its service: any listing the user created, in any state.
    from tokenmart.barter.listings_service import my_listings

    done = bool(my_listings(user_id, None, 1).items)
    return FirstStep("listing", _l("List something you no longer need"), done,
                     url_for("barter.sell"))


register_first_step(_checked_in_step)
register_first_step(_coupon_step)
register_first_step(_listing_step)
