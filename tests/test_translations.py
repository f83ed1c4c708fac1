"""The Chinese catalogs are complete, consistent, and agree with each other.

Flask-Babel merges every domain's catalog into one; the same English text in two
catalogs gets only one of their translations (the listing category "Home" once turned
the menu's "Home" into 家居). So a msgid translated differently in two catalogs fails
here, as does any untranslated or fuzzy entry or a placeholder that went missing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tokenmart.core.i18n import translation_directories

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalogs() -> list[Path]:
    paths = [p for d in translation_directories() for p in Path(d).glob("zh_Hans/LC_MESSAGES/*.po")]
    assert paths, "no Chinese catalogs found"
    return paths


def _messages(path: Path) -> list[tuple[str, str, bool]]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    result = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else (message.string or [""])[0]
        result.append((msgid, msgstr or "", message.fuzzy))
    return result


@pytest.mark.parametrize("path", _catalogs(), ids=lambda p: str(p.parts[-5] if "tokenmart" in p.parts else "core"))
def test_catalog_complete_no_fuzzy_placeholders_kept(path: Path) -> None:
    problems = []
    for msgid, msgstr, fuzzy in _messages(path):
        if fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not msgstr.strip():
            problems.append(f"untranslated: {msgid!r}")
        elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(msgstr)):
            problems.append(f"placeholders differ: {msgid!r} -> {msgstr!r}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_same_english_text_has_one_translation_everywhere() -> None:
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in _catalogs():
        for msgid, msgstr, _fuzzy in _messages(path):
            if msgstr:
                seen[msgid][msgstr].append(str(path))
    clashes = {msgid: dict(t) for msgid, t in seen.items() if len(t) > 1}
    assert not clashes, "the same text is translated differently:\n" + "\n".join(
        f"{msgid!r}: {translations}" for msgid, translations in clashes.items())
