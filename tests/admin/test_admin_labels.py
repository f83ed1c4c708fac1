"""Every back-office code has words: the value sets come from the code that makes them.

Segments from rfm.SEGMENTS, fraud signals from fraud.all_signals(), roles from
accounts.models.ROLES, economy figures from the CurrencyFigures dataclass, and audit
actions / target types from every `audit.record(...)` call in the source (plus the
actions built from the barter transition tables an admin may run).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import force_locale

import tokenmart
from tokenmart.admin import labels
from tokenmart.core.labels import kinds

SOURCE = Path(tokenmart.__file__).parent


def _record_calls() -> list[ast.Call]:
    calls = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(
                func.value, ast.Name) else ""
            if name == "record" and (owner == "audit" or path.parent.name == "audit"):
                calls.append(node)
    return calls


def _audit_codes() -> tuple[set[str], set[str], set[str]]:
    """(literal actions, f-string action prefixes, literal target types) in the source."""
    actions, prefixes, targets = set(), set(), set()
    for call in _record_calls():
        action, target = call.args[1], call.args[2]
        if isinstance(action, ast.Constant):
            actions.add(action.value)
        elif isinstance(action, ast.JoinedStr) and isinstance(action.values[0], ast.Constant):
            prefixes.add(action.values[0].value)
        if isinstance(target, ast.Constant):
            targets.add(target.value)
    return actions, prefixes, targets


def test_the_source_scan_finds_the_audit_calls() -> None:
    actions, prefixes, targets = _audit_codes()
    assert {"user.ban", "segments.grant", "coupon_template.create"} <= actions
    assert {"listing.", "order."} <= prefixes
    assert {"user", "coupon_template", "coupon_pack", "listing"} <= targets


def test_every_audit_action_and_target_type_has_words(app: Flask) -> None:
    from tokenmart.barter.listings_service import LISTING_TRANSITIONS
    from tokenmart.barter.orders_service import ORDER_TRANSITIONS

    actions, prefixes, targets = _audit_codes()
    dynamic = {f"listing.{a}" for a, rule in LISTING_TRANSITIONS.items() if rule.actor == "admin"}
    dynamic |= {f"order.{a}" for a, rule in ORDER_TRANSITIONS.items() if "admin" in rule.actors}
    assert {p for p in prefixes if p.endswith(".")} == {"listing.", "order."}, (
        "a new f-string audit action: derive its values here")
    assert not (actions | dynamic) - set(labels.AUDIT_ACTION)
    assert not targets - set(labels.AUDIT_TARGET)
    with app.test_request_context():
        assert labels.audit_action("user.ban") == "Banned a user"
        assert labels.audit_action("post:coupons_admin.edit") == "Other back-office change"
        assert labels.audit_target("coupons_admin") == "Back-office page"


def test_every_segment_fraud_signal_role_and_figure_has_words(app: Flask) -> None:
    from tokenmart.accounts.models import ROLES
    from tokenmart.admin import (
        fraud,
        integrations,  # noqa: F401 - registers the extra signals
        rfm,
    )
    from tokenmart.admin.economy import CurrencyFigures

    registry = kinds()
    with app.test_request_context():
        assert set(rfm.SEGMENTS) <= set(registry["segment"]) <= set(registry["segment_help"])
        assert set(fraud.all_signals()) <= set(registry["fraud_signal"])
        assert set(fraud.all_signals()) <= set(registry["fraud_signal_help"])
        assert set(ROLES) <= set(registry["role"])
        figures = {f.name for f in dataclasses.fields(CurrencyFigures)}
        assert figures <= set(registry["economy_figure"])
        for kind in ("segment", "segment_help", "fraud_signal", "fraud_signal_help", "role",
                     "economy_figure", "audit_action", "audit_target"):
            for code, words in registry[kind].items():
                assert str(words) and str(words) != code, (kind, code)


def test_each_kind_of_finding_reads_as_a_sentence(app: Flask) -> None:
    from tokenmart.admin.fraud import Finding

    findings = [
        Finding("accounts_per_ip", "", [1], {"ip": "10.0.0.1", "day": "2026-11-02", "count": 4}),
        Finding("ring", "", [1, 2, 3], {"size": 3}),
        Finding("earning_outlier", "", [1], {"earned": 9000, "mean": 120, "limit": 500,
                                             "days": 7}),
        Finding("young_account_assist", "", [1], {"assists": 2, "owners": 1, "hours": 24}),
    ]
    with app.test_request_context("/?lang=en"):
        texts = [labels.finding_text(f) for f in findings]
    assert texts == [
        "4 accounts registered from 10.0.0.1 on Nov 2, 2026",
        "3 users who mostly help each other",
        "Earned 9,000 coins in 7 days (the average is 120 coins)",
        "Helped 2 time(s) within 24 hours of registering, for 1 drive owner(s)",
    ]
    with app.test_request_context("/"), force_locale("zh_Hans"):
        chinese = [labels.finding_text(f) for f in findings]
    assert all("accounts" not in t and "users" not in t for t in chinese)
    assert "金币" in chinese[2]


def test_audit_labels_are_used_for_the_admin_catalog(app: Any) -> None:
    """The audit package has no catalog: its words are extracted with the admin domain."""
    script = (SOURCE.parent / "scripts" / "i18n.sh").read_text()
    assert "tokenmart/$domain" in script
    assert (SOURCE / "admin" / "labels.py").read_text().count("AUDIT_ACTION = define") == 1
