"""Browsable API reference, rendered server-side from the OpenAPI document (no CDN)."""
