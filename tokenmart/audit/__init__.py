"""The append-only audit log of admin actions."""
