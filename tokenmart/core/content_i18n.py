"""The operator's own words in each reader's language: names and descriptions of rewards,
causes, coupons, campaigns and membership cards.

Why: the interface is translated by the gettext catalogs, but the catalog the admin types
(a reward called "Sticker pack", a cause called "山区儿童图书角") is content, not code,
and a Chinese page listing "Sticker pack" reads as half-translated. So each such model
keeps, beside its own `name` / `description` (the text as the admin entered it, in any
language, and the fallback), a `translations` column:

    {"zh_Hans": {"name": "贴纸包", "description": "十张防水贴纸。"}, "en": {...}}

Pages show `local(obj, "name")`: the reader's locale's text when there is one, else the
entered text. Only the locales of `LANGUAGES` and the model's declared fields are kept
(`clean_translations`, for web forms and the API alike); empty texts are dropped, so a
translation can be removed by clearing it.

Snapshots (a ledger entry saying "Redeemed: %(reward)s") keep the name as it was at the
time, with its translations beside it (`kept`, `from_snapshot`), so history reads in
the reader's language too and does not change when the reward is renamed later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.errors import N_, Labelled, ValidationError

Translations = dict[str, dict[str, str]]


class Translatable:
    """Model mixin: a `translations` column; subclasses name their `TRANSLATED` fields
    with each field's longest text (the column's own limit)."""

    #: field -> max length, e.g. {"name": 120, "description": 5000}
    TRANSLATED: Mapping[str, int] = {}

    translations: Mapped[dict[str, Any]] = mapped_column(
        sa.JSON, default=dict, server_default=sa.text("'{}'"), nullable=False
    )

    def local(self, field: str) -> str:
        """`field` in the reader's language, else as entered."""
        return localized(getattr(self, field), self.translations, field)


def content_locales() -> list[str]:
    """The locales a translation may be given for: the app's interface languages."""
    if has_app_context():
        return list(current_app.config["LANGUAGES"])
    return ["en", "zh_Hans"]


def reader_locale() -> str:
    return str(get_locale() or "en")


def localized(entered: str, translations: Mapping[str, Any] | None, field: str) -> str:
    """The reader's-locale text of `field` from `translations`, else `entered`."""
    if translations:
        text = (translations.get(reader_locale()) or {}).get(field)
        if text:
            return str(text)
    return entered


def local(obj: Any, field: str) -> str:
    """Template helper: `{{ local(reward, "name") }}`; plain objects without
    translations (a dict row, a snapshot) give their own field."""
    if isinstance(obj, Mapping):
        return localized(str(obj.get(field) or ""), obj.get("translations"), field)
    return localized(getattr(obj, field), getattr(obj, "translations", None), field)


def clean_translations(value: Any, fields: Mapping[str, int]) -> Translations:
    """A `translations` value as stored: known locales and fields only, texts stripped,
    empty ones dropped. Raises ValidationError (422) naming what is wrong."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _invalid(N_("Translations are an object of locales, e.g. {\"zh_Hans\": {...}}."))
    locales = content_locales()
    cleaned: Translations = {}
    for locale, texts in value.items():
        if locale not in locales:
            raise _invalid(N_("Unknown locale."),
                           N_("Unknown locale %(locale)s; use one of %(locales)s."),
                           locale=repr(locale), locales=", ".join(locales))
        if not isinstance(texts, Mapping):
            raise _invalid(N_("Each locale's translations are an object of fields."),
                           N_("Translations for %(locale)s are an object of fields."),
                           locale=locale)
        kept: dict[str, str] = {}
        for field, text in texts.items():
            if field not in fields:
                raise _invalid(N_("A field that cannot be translated."),
                               N_("%(field)s cannot be translated; these can: %(fields)s."),
                               field=repr(field), fields=", ".join(fields))
            if text is None:
                continue
            if not isinstance(text, str):
                raise _invalid(N_("A translation must be text."),
                               N_("The %(locale)s %(field)s must be text."),
                               **_named(locale, field))
            text = text.strip()
            if len(text) > fields[field]:
                raise _invalid(N_("A translation is too long."),
                               N_("The %(locale)s %(field)s is longer than %(n)s characters."),
                               n=fields[field], **_named(locale, field))
            if text:
                kept[field] = text
        if kept:
            cleaned[locale] = kept
    return cleaned


def _named(locale: str, field: str) -> dict[str, Labelled]:
    """The locale and field as the API's message names them (codes), labelled for pages
    with the words of the admin's form ("简体中文", "名称")."""
    from tokenmart.core.content_forms import FIELD_LABELS, LANGUAGE_NAMES

    return {"locale": Labelled(locale, LANGUAGE_NAMES.get(locale, locale)),
            "field": Labelled(field, FIELD_LABELS.get(field, field))}


def _invalid(problem: str, message: str | None = None, **params: Any) -> ValidationError:
    """A refused `translations` value: `message` (an N_ template, `params` its values; else
    `problem`) says what is wrong, `problem` (N_, no values) is the field's message."""
    return ValidationError(message or problem, params=params,
                           details={"fields": {"translations": [problem]}})


def snapshot(translations: Mapping[str, Any] | None, field: str) -> dict[str, str]:
    """The translations of one field ({"zh_Hans": ...}), to keep beside the entered text
    in a record kept as it was. Read back with `from_snapshot`."""
    return {locale: texts[field] for locale, texts in (translations or {}).items()
            if texts.get(field)}


def kept(key: str, entered: str, translations: Mapping[str, Any] | None,
         field: str = "name") -> dict[str, Any]:
    """A name for a record kept as it was (ledger details, notification params):
    {key: entered, key + "_tr": {locale: text}}, without "_tr" when there is none.
    Read back with `from_snapshot(d.get(key), d.get(key + "_tr"))`."""
    words: dict[str, Any] = {key: entered}
    names = snapshot(translations, field)
    if names:
        words[f"{key}_tr"] = names
    return words


def from_snapshot(entered: Any, texts: Mapping[str, str] | None) -> str:
    """The reader's-locale text of a snapshot, else the entered text."""
    if texts:
        text = texts.get(reader_locale())
        if text:
            return str(text)
    return str(entered or "")
