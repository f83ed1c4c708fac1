"""Every refusal a person can meet reads in their language.

A service's `DomainError` message is written once in English and marked with `N_()`;
pages show it translated (`err.text()`, `err.field_texts()`, the error page). These tests
read the source, so a new message that is not marked, is an f-string (which no catalog can
hold: write a template with `params`), or has no Chinese translation fails here, before
any page shows it in English to a Chinese reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from tests.conftest import new_key
from tokenmart.errors import N_, DomainError, NotFound, ValidationError

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "tokenmart").rglob("*.py"))


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _error_classes() -> set[str]:
    """Names of DomainError and every class that inherits from it, anywhere in the app."""
    bases: dict[str, set[str]] = {}
    for _, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(
                    b.id if isinstance(b, ast.Name) else b.attr for b in node.bases
                    if isinstance(b, ast.Name | ast.Attribute))
    found = {"DomainError"}
    while True:
        more = {name for name, of in bases.items() if of & found} - found
        if not more:
            return found
        found |= more


ERRORS = _error_classes()
#: functions that build a DomainError from messages: name -> positions of those messages
#: (errors.field_error(field, problem, message), content_i18n._invalid(problem, message),
#: errors.filled(template, **params): one field's message with its values)
BUILDERS = {"field_error": (1, 2), "_invalid": (0, 1), "filled": (0,)}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = func.value
        if isinstance(base, ast.Name) and base.id in ("ma", "marshmallow"):
            return None  # marshmallow's ValidationError: the API's schema errors, English
        return func.attr
    return None


def _is_marked(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) == "N_"


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def _message_problem(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "a message not marked with N_()"
    if isinstance(node, ast.JoinedStr):
        return "an f-string message (write N_('... %(name)s ...') with params=)"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return "a message built in code (write N_('... %(name)s ...') with params=)"
    if isinstance(node, ast.Call) and _name(node.func) == "format":
        return "a message built with .format (write N_('... %(name)s ...') with params=)"
    return None


def _field_message_problems(details: ast.expr) -> Iterator[tuple[ast.AST, str]]:
    """String literals and f-strings listed as field messages inside `details=`."""
    for node in ast.walk(details):
        if isinstance(node, ast.List):
            for item in node.elts:
                problem = _message_problem(item)
                if problem:
                    yield item, "field messages: " + problem


def _violations(trees: Iterator[tuple[Path, ast.Module]] | None = None) -> list[str]:
    found = []
    for path, tree in trees if trees is not None else _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in ERRORS:
                message = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg == "message"), None)
                problem = message is not None and _message_problem(message)
                if problem:
                    found.append(f"{_where(path, node)}: {problem}")
                for keyword in node.keywords:
                    if keyword.arg == "details":
                        found += [f"{_where(path, item)}: {why}"
                                  for item, why in _field_message_problems(keyword.value)]
            elif isinstance(node, ast.Call) and _name(node.func) in BUILDERS:
                for position in BUILDERS[_name(node.func)]:  # type: ignore[index]
                    if position < len(node.args):
                        problem = _message_problem(node.args[position])
                        if problem:
                            found.append(f"{_where(path, node)}: {problem}")
            elif isinstance(node, ast.ClassDef) and node.name in ERRORS:
                for stmt in node.body:
                    if not isinstance(stmt, ast.Assign):
                        continue
                    names = [t for target in stmt.targets
                             for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
                    values = (stmt.value.elts if isinstance(stmt.value, ast.Tuple)
                              else [stmt.value])
                    for target, value in zip(names, values, strict=False):
                        if isinstance(target, ast.Name) and target.id == "message":
                            problem = _message_problem(value)
                            if problem:
                                found.append(f"{_where(path, stmt)}: class {node.name}: {problem}")
    return found


def _marked_messages() -> dict[str, str]:
    """Every literal marked with N_() in the app -> where it is."""
    marked = {}
    for path, tree in _trees():
        for node in ast.walk(tree):
            if _is_marked(node) and node.args and isinstance(node.args[0], ast.Constant):  # type: ignore[attr-defined]
                marked.setdefault(node.args[0].value, _where(path, node))  # type: ignore[attr-defined]
    return marked


def _chinese() -> dict[str, str]:
    catalog: dict[str, str] = {}
    for po in [ROOT / "translations/zh_Hans/LC_MESSAGES/messages.po",
               *sorted((ROOT / "tokenmart").glob("*/translations/zh_Hans/LC_MESSAGES/messages.po"))]:
        with po.open("rb") as f:
            for message in read_po(f):
                if message.id and isinstance(message.id, str) and message.string:
                    catalog.setdefault(message.id, str(message.string))
    return catalog


def test_every_refusal_message_is_marked_for_translation() -> None:
    assert not _violations(), "\n".join(_violations())


def test_every_marked_message_has_a_chinese_translation() -> None:
    chinese = _chinese()
    missing = [f"{where}: {text!r}" for text, where in _marked_messages().items()
               if text not in chinese]
    assert not missing, "no zh_Hans translation (scripts/i18n.sh <domain>, fill msgstr):\n" \
        + "\n".join(missing)


def test_the_checks_see_what_they_look_for() -> None:
    """The source check finds an unmarked message, an f-string, a field literal, an
    unmarked class message, an unmarked problem given to field_error and an unmarked
    template given to filled."""
    source = ('raise NotFound("No such thing.")\n'
              'raise ValidationError(f"{x} is bad")\n'
              'raise ValidationError(N_("Fine."), details={"fields": {"a": ["Required."]}})\n'
              'class Gone(NotFound):\n    message = "Gone."\n'
              'raise field_error("name", "Too long.")\n'
              'raise field_error("name", N_("Too long."))\n'
              'problems = [filled("At least %(n)s.", n=3)]\n'
              'problems = [filled(N_("At least %(n)s."), n=3)]\n')
    found = _violations(iter([(ROOT / "example.py", ast.parse(source))]))
    assert sorted(line.split(":")[1] for line in found) == ["1", "2", "3", "5", "6", "8"], found
    assert {"DomainError", "NotFound", "OutOfStock", "InsufficientBalance"} <= ERRORS


def test_a_template_message_fills_its_values_in_english_and_translates_whole(app: Flask) -> None:
    err = ValidationError("At most %(n)s per day.", params={"n": 3})
    assert err.message == "At most 3 per day."
    with app.test_request_context("/?lang=zh_Hans"):
        assert err.text() == "At most 3 per day."  # not in the catalog: as written
    err = NotFound()
    assert err.message == "Not found."
    with app.test_request_context("/?lang=zh_Hans"):
        assert err.text() == "未找到。"
        # a marked param is translated inside the translated template
        err = ValidationError(N_("%(field)s: %(problem)s"),
                              params={"field": "name", "problem": N_("Not found.")})
        assert err.message == "name: Not found."
        assert err.text() != err.message and "未找到" in err.text()


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_an_error_page_reads_in_the_readers_language(client: object, lang: str) -> None:
    """A service's refusal (an unknown reward) and the framework's own 404 (an unknown
    address) both come as a page in the reader's language."""
    for path in ("/mall/rewards/987654", "/no/such/page"):
        page = client.get(f"{path}?lang={lang}")  # type: ignore[attr-defined]
        assert page.status_code == 404
        html = page.get_data(as_text=True)
        body = html.split('id="main"', 1)[1]
        if lang == "zh_Hans":
            assert "找" in body or "没有" in body, body
            assert "not found" not in body.lower() and "No such" not in body, body
        else:
            assert "No such reward" in body or "Not found" in body or "not found" in body, body


def test_domain_error_keeps_the_api_message_in_english(client: object) -> None:
    resp = client.get("/api/v1/rewards/987654",  # type: ignore[attr-defined]
                      headers={"Accept-Language": "zh-CN"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"
    assert resp.get_json()["error"]["message"].isascii()


def test_subclass_messages_are_the_marked_ones() -> None:
    """Class-level messages are plain strings at runtime (N_ returns its argument)."""
    assert isinstance(DomainError().message, str)
    assert NotFound().message == "Not found."


def test_a_service_refusal_on_an_admin_form_reads_in_chinese(client: Any, admin: Any) -> None:
    """The reward form's window check lives in the service (admin_service): its refusal
    came back as "ends_at: Must be after starts_at." on the Chinese form."""
    from tests.conftest import PASSWORD

    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    page = client.post("/admin/mall/rewards/new?lang=zh_Hans", data={
        "name": "Window mug", "currency": "coin", "price": "5", "stock": "3",
        "stock_buckets": "1", "grant_type": "physical", "active": "y",
        "starts_at": "2026-12-10T10:00", "ends_at": "2026-12-09T10:00"})
    html = page.get_data(as_text=True)
    assert page.status_code in (200, 422), html[:500]
    assert "Must be after" not in html
    assert "必须晚于开始时间" in html, html.split('id="main"', 1)[1][:3000]
    english = client.post("/admin/mall/rewards/new?lang=en", data={
        "name": "Window mug", "currency": "coin", "price": "5", "stock": "3",
        "stock_buckets": "1", "grant_type": "physical", "active": "y",
        "starts_at": "2026-12-10T10:00", "ends_at": "2026-12-09T10:00"}).get_data(as_text=True)
    assert "Must be after the start time." in english and "after starts_at" not in english


def test_a_translation_refusal_names_codes_for_the_api_and_labels_for_pages(app: Flask) -> None:
    from flask_babel import refresh

    from tokenmart.core.content_i18n import clean_translations

    with pytest.raises(ValidationError) as caught:
        clean_translations({"zh_Hans": {"name": "四个汉字"}}, {"name": 3})
    err = caught.value
    assert err.message == "The zh_Hans name is longer than 3 characters."
    with app.test_request_context("/?lang=zh_Hans"):
        assert err.text() == "简体中文名称超过了 3 个字符。"
    refresh()  # the locale is cached on the app context's `g`
    with app.test_request_context("/?lang=en"):
        assert err.text() == "The 简体中文 Name is longer than 3 characters."


def test_field_messages_reach_the_api_in_english_and_pages_in_chinese(
        client: Any, api: Any, make_user: Any) -> None:
    """The password, user-name and payout-destination rules used to translate their field
    messages when raised, so a Chinese caller's API answer carried Chinese in
    `details.fields`. They are English (marked, or `filled` from a marked template) and
    pages translate them on show."""
    from tests.clearing.helpers import sign_in

    zh = {"Accept-Language": "zh-CN"}
    signup = client.post("/api/v1/users", json={"username": "newbie", "password": "password"},
                         headers=zh)
    assert signup.status_code == 422, signup.get_json()
    fields = signup.get_json()["error"]["details"]["fields"]
    assert fields["password"] == [
        "This password is too common or too easy to guess; choose another."]

    page = client.post("/register?lang=zh_Hans", data={
        "username": "ab!c", "password": "password", "confirm": "password"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "3-32 个字母" in html and "letters, digits" not in html
    assert "too common" not in html

    ann = make_user("ann", credit=1000)
    refused = api(ann).post("/api/v1/cashouts", key=new_key(), headers=zh, json={
        "amount_cents": 200, "payout_method": "bank", "payout_account_name": "Ann",
        "payout_account": "12 34"})
    assert refused.status_code == 422, refused.get_json()
    fields = refused.get_json()["error"]["details"]["fields"]
    assert fields == {"payout_account": ["Enter the bank card number: 12 to 19 digits."]}

    sign_in(client, "ann")
    form = client.post("/wallet/cashouts?lang=zh_Hans", data={
        "amount": "2.00", "payout_method": "bank", "payout_account_name": "Ann",
        "payout_account": "12 34"})
    html = form.get_data(as_text=True)
    assert form.status_code == 422
    assert "请输入银行卡号：12 至 19 位数字。" in html and "12 to 19 digits" not in html


def test_a_filled_field_message_is_english_for_the_api_and_filled_again_for_a_page(
        app: Flask) -> None:
    """A field message with a value in it travels alone in `details.fields`: `filled`
    keeps its template, so the page translates the whole sentence, value included."""
    from flask_babel import refresh

    from tokenmart.clearing.destinations import check_destination

    with app.test_request_context("/?lang=zh_Hans"):
        refresh()
        with pytest.raises(ValidationError) as caught:
            check_destination("alipay", "A" * 61, "13800138000")
        err = caught.value
        assert err.details["fields"]["payout_account_name"] == [
            "Enter the account holder's name as the bank or app knows it (at most 60 characters)."]
        assert err.field_texts()["payout_account_name"] == ["请输入与账户一致的真实姓名（最多 60 个字符）。"]
