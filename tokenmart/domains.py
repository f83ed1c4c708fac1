"""Find each domain package's parts by name, so adding a domain edits no central list.

A domain `tokenmart/<name>/` may have: models.py (tables), api.py (flask-smorest
Blueprints), views.py (Flask Blueprints for pages), cli.py (a click group named
`cli`), demo.py (`ORDER` and `seed(ctx)`), and translations/.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import tokenmart

NOT_DOMAINS = {"core"}


def domain_names() -> list[str]:
    return sorted(
        name
        for _, name, is_pkg in pkgutil.iter_modules(tokenmart.__path__)
        if is_pkg and name not in NOT_DOMAINS
    )


# Which domains have which part, found once per process: the package does not change
# while it runs, and every create_app asks again (the test suite builds one app per test).
_FOUND: dict[str, tuple[str, ...]] = {}


def domain_modules(part: str) -> Iterator[ModuleType]:
    """Import and yield `tokenmart.<domain>.<part>` for every domain that has it."""
    if part in _FOUND:
        for module_name in _FOUND[part]:
            yield importlib.import_module(module_name)
        return
    found = []
    for name in domain_names():
        module_name = f"tokenmart.{name}.{part}"
        if importlib.util.find_spec(module_name) is not None:
            found.append(module_name)
            yield importlib.import_module(module_name)
    _FOUND[part] = tuple(found)


def import_all_models() -> None:
    for _ in domain_modules("models"):
        pass
    importlib.import_module("tokenmart.core.idempotency")
