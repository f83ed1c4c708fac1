"""Barter marketplace: listings, photos, search, swaps with escrow, trust and reports."""
