"""The API's `translations` field for the admin's content (see core.content_i18n).

One field for every translatable resource, so the API refuses what the web forms refuse
by the same rule (`clean_translations`): known locales, the resource's own fields, each
within its column's length. Read back as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from tokenmart.core.content_i18n import clean_translations
from tokenmart.errors import ValidationError


class Translations(ma.fields.Dict):
    """{"zh_Hans": {"name": "...", ...}, "en": {...}}: the resource's texts per locale."""

    def __init__(self, fields: Mapping[str, int], **kwargs: Any) -> None:
        self.translated = dict(fields)
        example = {"zh_Hans": {f: "…" for f in self.translated}}
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault(
            "description", "Texts per interface language (en, zh_Hans), shown to readers of "
            "that language instead of the entered ones; translatable: "
            + ", ".join(self.translated) + ".")
        kwargs["metadata"].setdefault("example", example)
        super().__init__(keys=ma.fields.String(),
                         values=ma.fields.Dict(keys=ma.fields.String(),
                                               values=ma.fields.String(allow_none=True)),
                         **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return clean_translations(raw, self.translated)
        except ValidationError as err:
            raise ma.ValidationError(err.message) from err
