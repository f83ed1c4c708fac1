"""Translation fields for the admin's content forms (see core.content_i18n).

`with_translations({"name": 120, ...})` adds one optional field per interface language
and translated field ("Name in 简体中文"), shown folded under the form's own fields by
the `translations` macro of `_macros.html`; `translations_from_form` collects what was
typed and `fill_translations` shows the stored ones when the form opens for editing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Length, Optional

from tokenmart.config import LANGUAGES

F = TypeVar("F")

#: each language in itself, as the footer's language links name them
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文"}
#: the fields' own labels (gettext keys the catalogs already hold)
FIELD_LABELS = {"name": _l("Name"), "title": _l("Title"), "tagline": _l("Tagline"),
                "description": _l("Description")}
#: texts longer than this get a text area
_LONG = 200


def _field_name(locale: str, field: str) -> str:
    return f"tr_{locale}_{field}"


def _label(locale: str, field: str) -> LazyString:
    return LazyString(lambda: _("%(field)s in %(language)s", field=FIELD_LABELS[field],
                                language=LANGUAGE_NAMES.get(locale, locale)))


def with_translations(fields: Mapping[str, int]) -> Callable[[type[F]], type[F]]:
    """Class decorator: the form gets `tr_<locale>_<field>` fields for `fields` (field ->
    max length, the model's TRANSLATED)."""

    def decorate(form_cls: type[F]) -> type[F]:
        for locale in LANGUAGES:
            for field, limit in fields.items():
                kind = TextAreaField if limit > _LONG else StringField
                setattr(form_cls, _field_name(locale, field),
                        kind(_label(locale, field), validators=[Optional(), Length(max=limit)]))
        form_cls.TRANSLATED = dict(fields)  # type: ignore[attr-defined]
        return form_cls

    return decorate


def translation_fields(form: Any) -> list[tuple[Field, str]]:
    """The form's translation fields in display order, each with its language's BCP 47
    tag (the input's `lang`, so the browser picks the right fonts and spell checker)."""
    return [(form[_field_name(locale, field)], locale.replace("_", "-"))
            for locale in LANGUAGES for field in form.TRANSLATED]


def translations_from_form(form: Any) -> dict[str, dict[str, str]]:
    """What was typed, as a raw `translations` value (the service cleans it)."""
    return {locale: {field: form[_field_name(locale, field)].data or ""
                     for field in form.TRANSLATED}
            for locale in LANGUAGES}


def fill_translations(form: Any, translations: Mapping[str, Any] | None) -> None:
    """Show the stored translations (a form opened for editing, not yet submitted)."""
    for locale, texts in (translations or {}).items():
        for field, text in (texts or {}).items():
            name = _field_name(locale, field)
            if name in form:
                form[name].data = text
