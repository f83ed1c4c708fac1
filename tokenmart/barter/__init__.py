"""Barter marketplace: listings, photos, search, swaps with escrow, trust and reports."""

from tokenmart.barter import hooks  # noqa: F401 - kinds, checks, renderers, signals: once, first
