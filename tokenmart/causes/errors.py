"""The causes' domain errors."""

from __future__ import annotations

from tokenmart.errors import N_, Conflict, NotFound


class CauseNotFound(NotFound):
    message = N_("No such cause.")


class CauseClosed(Conflict):
    code, message = "cause_closed", N_("This cause is not taking gifts now.")
