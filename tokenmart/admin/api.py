"""Admin JSON API: users, audit log, economy, fraud signals, RFM segments."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

from tokenmart.accounts.auth import admin_required_api, current_api_user
from tokenmart.accounts.schemas import AdminUserSchema
from tokenmart.accounts.service import get_user
from tokenmart.admin import economy, fraud, rfm, users_service
from tokenmart.audit import service as audit
from tokenmart.core.api import declare_errors
from tokenmart.core.idempotency import idempotent
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.extensions import db

blp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin", description="Admin: back office")


class UserSearchArgs(PageArgsSchema):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100))
    banned = ma.fields.Boolean(load_default=None)


class UserPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AdminUserSchema))
    next_cursor = ma.fields.String(allow_none=True)


class AdminUserDetailSchema(AdminUserSchema):
    balances = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class AuditArgs(PageArgsSchema):
    action = ma.fields.String(load_default=None, validate=ma.validate.Length(max=60))
    actor_id = ma.fields.Integer(load_default=None)


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    actor_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String(allow_none=True)
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)
    ip = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class AuditPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AuditEntrySchema))
    next_cursor = ma.fields.String(allow_none=True)


class EconomyArgs(ma.Schema):
    periods = ma.fields.Integer(load_default=14, validate=ma.validate.Range(min=1, max=90))


class SnapshotSchema(ma.Schema):
    id = ma.fields.Integer()
    window_days = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class SegmentGrantArgs(ma.Schema):
    snapshot_id = ma.fields.Integer(required=True, strict=True)
    segment = ma.fields.String(required=True, validate=ma.validate.OneOf(rfm.SEGMENTS))
    template_id = ma.fields.Integer(required=True, strict=True)
    #: share of the segment held out as a control group (analytics uplift)
    holdout_percent = ma.fields.Integer(load_default=0, strict=True,
                                        validate=ma.validate.Range(min=0, max=50))


class SegmentGrantSchema(ma.Schema):
    id = ma.fields.Integer()
    snapshot_id = ma.fields.Integer()
    segment = ma.fields.String()
    template_id = ma.fields.Integer()
    issued = ma.fields.Integer()
    holdout_percent = ma.fields.Integer()
    held_out = ma.fields.Integer()
    created_at = ma.fields.DateTime()


@blp.route("/users", methods=["GET"])
@admin_required_api
@blp.arguments(UserSearchArgs, location="query")
@blp.response(200, UserPageSchema)
def search_users(args: dict[str, Any]) -> Any:
    """Search users by name, e-mail or id"""
    return users_service.search(args["q"], args["cursor"], args["limit"], args["banned"])


@blp.route("/users/<int:user_id>", methods=["GET"])
@admin_required_api
@blp.response(200, AdminUserDetailSchema)
def user_detail(user_id: int) -> Any:
    """One user with balances"""
    data = users_service.profile(get_user(user_id))
    # The response schema serialises once; dumping here too made every call a 500.
    user = data["user"]
    return {**{name: getattr(user, name) for name in AdminUserSchema().fields},
            "balances": data["balances"]}


@blp.route("/audit-log", methods=["GET"])
@admin_required_api
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPageSchema)
def audit_log(args: dict[str, Any]) -> Any:
    """Every admin action, newest first"""
    return audit.list_entries(args["cursor"], args["limit"], action=args["action"],
                              actor_id=args["actor_id"])


@blp.route("/economy", methods=["GET"])
@admin_required_api
@blp.arguments(EconomyArgs, location="query")
@blp.response(200)
def economy_figures(args: dict[str, Any]) -> Any:
    """Issued, burned, outstanding and escrow per currency, all time and per period"""
    data = economy.dashboard(args["periods"])
    return {
        "totals": {cur: asdict(f) for cur, f in data["totals"].items()},
        "periods": [
            {"label": w.label, "starts_at": w.starts_at.isoformat(), "ends_at": w.ends_at.isoformat(),
             "currencies": {c: asdict(f) for c, f in w.currencies.items()},
             "earnings_by_kind": w.earnings_by_kind, "redemptions": w.redemptions,
             "active_users": w.active_users}
            for w in data["windows"]
        ],
    }


@blp.route("/fraud-signals", methods=["GET"])
@admin_required_api
@blp.response(200)
def fraud_signals() -> Any:
    """Accounts per IP, young-account assists, rings, earning outliers"""
    return {name: [asdict(f) for f in findings] for name, findings in fraud.all_signals().items()}


def _snapshot_payload(snapshot: Any) -> dict[str, Any]:
    return {"id": snapshot.id, "window_days": snapshot.window_days,
            "created_at": snapshot.created_at, "counts": rfm.counts(snapshot.id)}


@blp.route("/segments/snapshots", methods=["POST"])
@admin_required_api
@blp.response(201, SnapshotSchema)
def create_snapshot() -> Any:
    """Score every user into RFM segments now"""
    snapshot = rfm.take_snapshot(current_api_user().id)
    db.session.commit()
    return _snapshot_payload(snapshot)


@blp.route("/segments/snapshots/<int:snapshot_id>", methods=["GET"])
@admin_required_api
@blp.response(200, SnapshotSchema)
def get_snapshot(snapshot_id: int) -> Any:
    """Segment counts of a snapshot"""
    from tokenmart.admin.models import SegmentSnapshot
    from tokenmart.errors import N_, NotFound

    snapshot = db.session.get(SegmentSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(N_("No such segment snapshot."))
    return _snapshot_payload(snapshot)


@blp.route("/segments/grants", methods=["POST"])
@declare_errors((404, "not_found"), (409, "template_ended"), (409, "sold_out"))
@admin_required_api
@idempotent
@blp.arguments(SegmentGrantArgs)
@blp.response(201, SegmentGrantSchema)
def grant_to_segment(data: dict[str, Any]) -> Any:
    """Grant a coupon template to every member of a segment (once per snapshot)"""
    return rfm.grant_to_segment(data["snapshot_id"], data["segment"], data["template_id"],
                                current_api_user().id, holdout_percent=data["holdout_percent"])
