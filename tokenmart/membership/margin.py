"""A card's revenue in the period's margin (a paid card bought with credits, a light
card's settled fee), and how those entries read on the period page.

As with a swap's shipping fee (`barter.margin`), nobody types these entries, so no
sentence is stored with them: "card: Gold card" written here stayed English on the
Chinese period page. An entry keeps the card's name as the admin entered it in `memo`;
`describe_purchase` and `describe_light_fee` (registered with the clearing by
`membership.hooks`) word it in the reader's language. Entries booked before kept the
English sentence; they are recognised by its opening words and read like new ones.
"""

from __future__ import annotations

from flask_babel import gettext as _

from tokenmart.clearing.models import MarginEntry

#: MarginEntry.source of a paid card bought with credits, and of a light card's fee
PURCHASE_SOURCE = "card_purchase"
LIGHT_FEE_SOURCE = "light_membership"

#: how memos began before entries stored the card's name alone (recognised, never written)
_OLD_OPENINGS = {PURCHASE_SOURCE: "card: ", LIGHT_FEE_SOURCE: "light card: "}


def _card_name(entry: MarginEntry) -> str:
    return (entry.memo or "").removeprefix(_OLD_OPENINGS.get(entry.source, ""))


def describe_purchase(entry: MarginEntry) -> str | None:
    """"Card sold: <name>" in the reader's language."""
    return _("Card sold: %(card)s", card=_card_name(entry)) if entry.memo else None


def describe_light_fee(entry: MarginEntry) -> str | None:
    """"Light card fee: <name>" in the reader's language."""
    return _("Light card fee: %(card)s", card=_card_name(entry)) if entry.memo else None
