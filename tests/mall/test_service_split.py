"""The mall's services are split along their seams, and the old name still works.

Redeeming (the load-tested hot path) must not pull in the catalog's admin code, each
module stays small, and `tokenmart.mall.service` hands out the very same objects, so
callers outside the mall keep working.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tokenmart.mall import admin_service, catalog_service, redeem_service, service

MALL = Path(redeem_service.__file__).parent


def _imports(module: object) -> set[str]:
    tree = ast.parse(Path(module.__file__).read_text())  # type: ignore[attr-defined]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_split_hot_path_imports_neither_reading_nor_admin() -> None:
    imported = _imports(redeem_service)
    for other in ("tokenmart.mall.admin_service", "tokenmart.mall.catalog_service",
                  "tokenmart.mall.service", "tokenmart.mall.images", "tokenmart.barter"):
        assert not any(name.startswith(other) for name in imported), other


def test_split_reading_does_not_write_or_import_admin() -> None:
    imported = _imports(catalog_service)
    assert not any(name.startswith("tokenmart.mall.admin_service") for name in imported)
    assert "tokenmart.audit" not in imported


def test_split_modules_stay_small() -> None:
    for module in (redeem_service, catalog_service, admin_service, service):
        lines = Path(module.__file__).read_text().count("\n")
        assert lines < 400, (module.__name__, lines)


def test_split_facade_hands_out_the_same_objects() -> None:
    for name in service.__all__:
        value = getattr(service, name)
        home = next(m for m in (redeem_service, catalog_service, admin_service)
                    if hasattr(m, name))
        assert value is getattr(home, name), name
    assert service.redeem_reward is redeem_service.redeem_reward
