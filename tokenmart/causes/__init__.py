"""Causes: admin-created good causes that users give coins or flowers to, or pledge a
share of their period credits to; cleared like a user at each period, paid out to the
organisation like a cash-out."""
