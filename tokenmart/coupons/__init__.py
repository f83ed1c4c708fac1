"""Coupons (templates, packs, instances) and share-to-unlock campaigns (drives, assists)."""
