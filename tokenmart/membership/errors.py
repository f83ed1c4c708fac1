"""The membership domain's errors (codes are the API contract's)."""

from __future__ import annotations

from tokenmart.errors import Conflict, Forbidden, NotFound


class CardNotFound(NotFound):
    message = "No such card, or it is not open to join."


class AlreadyMember(Conflict):
    code, message = "already_member", "You already hold this card."


class NotEligible(Forbidden):
    code, message = "not_eligible", "You do not meet this card's condition yet."


class MembershipNotFound(NotFound):
    message = "No such membership."
