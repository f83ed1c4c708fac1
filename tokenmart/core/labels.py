"""One translated label for every code a person can see, defined once per domain.

Stored values (`pending_review`, `like_new`, `checkin`) are for machines. Each domain
declares the words for its codes in its own `labels.py` with `define(kind, {...})`;
templates show them with `{{ value|label('listing_status') }}` and Python with
`label(value, kind)`. `tests/test_labels.py` fails when a known code has no label, and
the site crawler fails when a raw code reaches a page, so a new state cannot slip out
untranslated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

_REGISTRY: dict[str, Mapping[str, Any]] = {}


def define(kind: str, labels: Mapping[str, Any]) -> Mapping[str, Any]:
    """Register the labels (lazy strings) of one kind of code; returns them for local use."""
    _REGISTRY[kind] = labels
    return labels


def label(value: object, kind: str) -> str:
    """The reader's-language word for `value`; the raw value (logged) when none is defined."""
    if value is None:
        return ""
    labels = _REGISTRY.get(kind)
    if labels is None:
        load_all()
        labels = _REGISTRY.get(kind, {})
    key = str(value)
    if key in labels:
        return str(labels[key])
    log.warning("no label for %s %r", kind, key)
    return key


def kinds() -> dict[str, Mapping[str, Any]]:
    load_all()
    return dict(_REGISTRY)


def load_all() -> None:
    """Import every domain's `labels.py` (each registers itself on import)."""
    from tokenmart.domains import domain_modules

    for _ in domain_modules("labels"):
        pass
