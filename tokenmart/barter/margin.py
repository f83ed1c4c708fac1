"""A swap's shipping fee in the period's margin: the cause each booking is keyed by, and
how its entries read on the period page.

Nobody types these entries, so no sentence is stored with them: one written here in
English stayed English on the Chinese period page ("shipping fee: 暖光台灯"). An entry
keeps only the seller's own words, the listing's title as it was when ordered, in
`memo`, and its cause in `source` and `source_ref`; `describe_fee` and `describe_refund`
(registered with the clearing by `barter.hooks`) word it in the reader's language.

Entries booked before kept the English sentence in `memo`. They are recognised and read
like new ones: a fee's memo by its old opening words (a title that itself began
"shipping fee: " would lose those words on the page, nothing else), a refund by its
`source_ref`, which never changed.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from tokenmart.clearing.models import MarginEntry

#: MarginEntry.source of a paid shipping fee (revenue) and of its refund (a cost)
FEE_SOURCE = "shipping_fee"
REFUND_SOURCE = "shipping_refund"

_FEE_REF = re.compile(r"order:(\d+)")
_REFUND_REF = re.compile(r"order:(\d+):refund")
#: how a fee's memo began before entries stored the title alone (recognised, never written)
_OLD_FEE_OPENING = "shipping fee: "


def fee_ref(order_id: int) -> str:
    """The cause of an order's shipping fee: it is booked once, however often retried."""
    return f"order:{order_id}"


def refund_ref(order_id: int) -> str:
    """The cause of the refund of an order's shipping fee (booked once)."""
    return f"order:{order_id}:refund"


def describe_fee(entry: MarginEntry) -> str | None:
    """"Shipping fee: <title>" in the reader's language, the title as the seller wrote
    it; None for an entry no order booked (the demo's day summary), which reads as stored."""
    if _FEE_REF.fullmatch(entry.source_ref or "") is None:
        return None
    return _("Shipping fee: %(title)s", title=entry.memo.removeprefix(_OLD_FEE_OPENING))


def describe_refund(entry: MarginEntry) -> str | None:
    """"Shipping fee refunded: order <n>" in the reader's language; None for an entry no
    order's cancellation booked."""
    found = _REFUND_REF.fullmatch(entry.source_ref or "")
    if found is None:
        return None
    return _("Shipping fee refunded: order %(order)s", order=found.group(1))
