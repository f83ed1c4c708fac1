"""Request and response shapes of the accounts API."""

from __future__ import annotations

import marshmallow as ma


class RegisterSchema(ma.Schema):
    # The service's own rule (accounts.service.USERNAME_RE), so the document states it.
    username = ma.fields.String(required=True, validate=ma.validate.Regexp(
        r"^[A-Za-z0-9_\-\u4e00-\u9fff]{3,32}$",
        error="3-32 letters, digits, _ or - (Chinese characters allowed)."))
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=8, max=256)
    )
    email = ma.fields.Email(load_default=None, allow_none=True)
    ref = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=64))


class UserCreatedSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()


class CredentialsSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(max=64))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(max=256))
    otp = ma.fields.String(load_only=True, validate=ma.validate.Length(max=20), metadata={
        "description": "Needed once the account has two-factor sign-in: a current code from "
                       "the authenticator app or an unused recovery code"})


class TokenSchema(ma.Schema):
    token = ma.fields.String()


class BalancesSchema(ma.Schema):
    flower = ma.fields.Integer()
    coin = ma.fields.Integer()
    credit = ma.fields.Integer(metadata={"description": "CNY cents"})


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    tier = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    locale = ma.fields.String(allow_none=True)
    balances = ma.fields.Nested(BalancesSchema)


class PasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(required=True, load_only=True,
                                        validate=ma.validate.Length(max=256))
    new_password = ma.fields.String(required=True, load_only=True,
                                    validate=ma.validate.Length(min=8, max=256))


class MeUpdateSchema(ma.Schema):
    locale = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(["en", "zh_Hans"]))
    leaderboard_opt_out = ma.fields.Boolean()


class BanSchema(ma.Schema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class AdminUserSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    roles = ma.fields.List(ma.fields.String())
    tier = ma.fields.String()
    is_banned = ma.fields.Boolean()
    banned_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class ApiTokenInfoSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    last_used_at = ma.fields.AwareDateTime(allow_none=True,
                                           metadata={"description": "Refreshed at most hourly"})
    expires_at = ma.fields.AwareDateTime(allow_none=True)
    current = ma.fields.Boolean(metadata={"description": "The token making this request"})


class ApiTokenListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ApiTokenInfoSchema))
    next_cursor = ma.fields.String(allow_none=True)
