"""The membership domain's errors (codes are the API contract's)."""

from __future__ import annotations

from tokenmart.errors import N_, Conflict, Forbidden, NotFound


class CardNotFound(NotFound):
    message = N_("No such card, or it is not open to join.")


class AlreadyMember(Conflict):
    code, message = "already_member", N_("You already hold this card.")


class NotEligible(Forbidden):
    code, message = "not_eligible", N_("You do not meet this card's condition yet.")


class MembershipNotFound(NotFound):
    message = N_("No such membership.")
