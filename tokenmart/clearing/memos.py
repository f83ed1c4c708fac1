"""What a margin entry says on the period page, in the reader's language.

An admin's memo is their own words and shows as typed. An entry another domain books by
itself (a swap's shipping fee) is not typed by anyone: a sentence stored with it would
stay in the language of the code that wrote it (the Chinese period page once read
"shipping fee: 暖光台灯"). So that domain stores only the user's own words in `memo`
and registers a describer for its `source` here, which builds the sentence when the page
is read, as ledger kinds do for wallet lines (`tokenmart.ledger.kinds`). The clearing
never imports those domains; they register into it.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenmart.clearing.models import MarginEntry
from tokenmart.core.labels import label

#: an entry -> its words in the reader's language, or None for an entry the describer
#: does not recognise as its own (then its memo shows as stored)
MemoDescriber = Callable[[MarginEntry], str | None]

_DESCRIBERS: dict[str, MemoDescriber] = {}


def register_describer(source: str, describer: MemoDescriber) -> None:
    """Let the entries of `source` read in the reader's language.

    Raises ValueError for "admin": an admin's memo is what they typed and never reworded.
    """
    if source == "admin":
        raise ValueError("an admin's memo shows as typed; it has no describer")
    _DESCRIBERS[source] = describer


def margin_memo(entry: MarginEntry) -> str:
    """What `entry` says: its source's describer's words, else its memo as stored, else
    the label of its source (an entry without a memo still says where it came from)."""
    describer = _DESCRIBERS.get(entry.source)
    words = describer(entry) if describer is not None else None
    return words or entry.memo or label(entry.source, "margin_source")
