"""Membership cards: card programs, memberships, member day and light (pay-after) cards."""

from tokenmart.membership import hooks as _hooks  # noqa: F401 - registers providers and checks
