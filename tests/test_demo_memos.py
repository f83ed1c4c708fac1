"""The demo's own words in the wallet read in both languages.

A wallet line of kind "adjustment" shows the memo the admin typed, untranslated (it is
data, not a label). The demo's memos are written by us, so on a Chinese page they must
not be English only: each carries both, as the demo's margin entries already did."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa


def test_every_demo_ledger_memo_reads_in_chinese_and_english(app: Any) -> None:
    from tokenmart.demo import run_demo
    from tokenmart.extensions import db
    from tokenmart.ledger.models import LedgerTransaction

    run_demo()
    memos = set(db.session.execute(
        sa.select(LedgerTransaction.memo).where(LedgerTransaction.memo != "")).scalars())
    assert memos  # the demo writes some (welcome gifts, demo top-ups)
    english_only = sorted(m for m in memos if not re.search(r"[\u4e00-\u9fff]", m))
    assert english_only == []
    assert all(re.search(r"[A-Za-z]", m) for m in memos), memos
