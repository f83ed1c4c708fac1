"""The causes' domain errors."""

from __future__ import annotations

from tokenmart.errors import Conflict, NotFound


class CauseNotFound(NotFound):
    message = "No such cause."


class CauseClosed(Conflict):
    code, message = "cause_closed", "This cause is not taking gifts now."
