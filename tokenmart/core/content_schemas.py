"""The API's `translations` field for the admin's content (see core.content_i18n).

One field for every translatable resource, so the API refuses what the web forms refuse
by the same rule (`clean_translations`): known locales, the resource's own fields, each
within its column's length. The OpenAPI document says exactly that (an object per
interface language, each with the resource's fields and their lengths, nothing else), so
a client or a fuzzer that follows the document is never refused. Read back as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from tokenmart.config import LANGUAGES
from tokenmart.core.content_i18n import clean_translations
from tokenmart.errors import ValidationError

_SCHEMAS: dict[tuple[tuple[str, int], ...], type[ma.Schema]] = {}


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _translations_schema(fields: Mapping[str, int]) -> type[ma.Schema]:
    """{"en": {...}, "zh_Hans": {...}} for these fields (one schema per field set, named
    after its fields, so the OpenAPI document holds each once)."""
    key = tuple(sorted(fields.items()))
    if key in _SCHEMAS:
        return _SCHEMAS[key]
    suffix = "".join(_camel(field) for field in fields)
    if any(schema.__name__ == f"Translations{suffix}" for schema in _SCHEMAS.values()):
        suffix += "".join(str(limit) for limit in fields.values())  # same fields, other lengths
    texts = ma.Schema.from_dict(
        {field: ma.fields.String(allow_none=True, validate=ma.validate.Length(max=limit))
         for field, limit in fields.items()},
        name=f"Texts{suffix}")
    outer = ma.Schema.from_dict(
        {locale: ma.fields.Nested(texts, metadata={"description": f"the texts in {locale}"})
         for locale in LANGUAGES},
        name=f"Translations{suffix}")
    _SCHEMAS[key] = outer
    return outer


class Translations(ma.fields.Nested):
    """{"zh_Hans": {"name": "...", ...}, "en": {...}}: the resource's texts per locale,
    cleaned by `clean_translations` on the way in."""

    def __init__(self, fields: Mapping[str, int], **kwargs: Any) -> None:
        self.translated = dict(fields)
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault(
            "description", "Texts per interface language, shown to readers of that language "
            "instead of the entered ones; translatable: " + ", ".join(self.translated) + ".")
        super().__init__(_translations_schema(self.translated), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        # The nested schema documents the shape; the one rule checks it, with messages
        # that name the wrong locale or field (the schema's would say "Unknown field.").
        try:
            return clean_translations(value, self.translated)
        except ValidationError as err:
            raise ma.ValidationError(err.message) from err
