"""The flask-smorest Api, with tokenmart's one error envelope documented.

Error *rendering* lives in tokenmart.errors so the web pages and the API share it;
this class only stops flask-smorest from installing its own handler.
"""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Api


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "Stable machine-readable error code"})
    message = ma.fields.String(metadata={"description": "Human-readable explanation"})
    details = ma.fields.Dict(metadata={"description": "Extra context, e.g. failing fields"})


class ErrorSchema(ma.Schema):
    """`{"error": {"code", "message", "details"}}`, the shape of every error response."""

    error = ma.fields.Nested(ErrorDetailSchema)


class TokenmartApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """tokenmart.errors registers the handlers for API and web alike."""
