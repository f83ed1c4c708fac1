"""Periods, margin, the set-based clearing of coins into credits, and cash-outs (SPEC §7)."""
