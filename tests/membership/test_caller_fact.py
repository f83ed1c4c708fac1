"""The caller's "holds a card" fact, read with the bearer token: a caller without a card
skips the card query, and the fact never hides a card that counts."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import g

from tokenmart.accounts import service as accounts
from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.mall.models import member_price
from tokenmart.membership import joining
from tokenmart.membership.hooks import HOLDS_CARD


def _caller(user):
    token = accounts.issue_token(user)
    db.session.commit()
    return token


def test_the_token_statement_says_whether_the_caller_holds_a_card(app, make_user, make_card):
    card = make_card("paid", price=10, currency="coin", validity_days=1,
                     benefits={"member_discount_percent": 20})
    holder, other = make_user("holder", coin=10), make_user("other")
    holder_token, other_token = _caller(holder), _caller(other)
    joining.join_card(card.id, holder.id)
    db.session.commit()
    assert HOLDS_CARD in accounts.caller_for_token(holder_token).facts
    assert HOLDS_CARD not in accounts.caller_for_token(other_token).facts
    # ended by time alone (no job has marked it): the fact follows the same rule
    with time_machine.travel(utcnow() + timedelta(days=2), tick=False):
        assert HOLDS_CARD not in accounts.caller_for_token(holder_token).facts


def test_a_card_joined_in_the_same_request_is_not_hidden(app, make_user, make_card):
    card = make_card("free", benefits={"member_discount_percent": 20})
    user = make_user("joiner")
    token = _caller(user)
    with app.test_request_context("/api/v1/anything"):
        g.api_caller = accounts.caller_for_token(token)
        assert HOLDS_CARD not in g.api_caller.facts
        assert member_price(user.id, 1, "coin", 100) == 100
        joining.join_card(card.id, user.id)
        assert member_price(user.id, 1, "coin", 100) == 80


def test_the_fact_only_speaks_for_the_caller(app, make_user, make_card):
    """Pricing someone else (an admin view, a gift) reads their cards."""
    card = make_card("free", benefits={"member_discount_percent": 20})
    caller, member = make_user("asker"), make_user("member")
    joining.join_card(card.id, member.id)
    db.session.commit()
    token = _caller(caller)
    with app.test_request_context("/api/v1/anything"):
        g.api_caller = accounts.caller_for_token(token)
        assert member_price(member.id, 1, "coin", 100) == 80
