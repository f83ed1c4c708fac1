"""Shared plumbing only: database base, clock, idempotency, pagination, auth, limits.

Nothing in core imports a domain package.
"""
