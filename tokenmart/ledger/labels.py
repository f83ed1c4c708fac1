"""Labels of the ledger's codes: transaction kinds ("txn_kind") and currencies ("currency").

Transaction kinds keep their words in `ledger.kinds` (domains add theirs with
`register_kind`); this module hands that same mapping to the one label registry, so
`{{ kind|label('txn_kind') }}` and the wallet's descriptions can never disagree.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tokenmart.core.labels import define
from tokenmart.ledger import kinds

TXN_KIND = define("txn_kind", kinds._LABELS)  # noqa: SLF001 - the mapping is shared on purpose
CURRENCY = define("currency", {
    "flower": _l("Little red flowers"),
    "coin": _l("Coins"),
    "credit": _l("Credits (CNY)"),
})
