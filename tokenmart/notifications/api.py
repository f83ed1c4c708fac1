"""My notifications: list (newest first), unread count, mark read."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

from tokenmart.accounts.auth import auth_required, current_api_user
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.extensions import db
from tokenmart.notifications import service

blp = Blueprint("notifications_api", __name__, url_prefix="/api/v1", description="Notifications")


class NotificationArgsSchema(PageArgsSchema):
    unread = ma.fields.Boolean(load_default=False)


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    text = ma.fields.Method("get_text")
    params = ma.fields.Dict()
    link = ma.fields.String(allow_none=True)
    read = ma.fields.Method("get_read")
    created_at = ma.fields.DateTime()

    def get_text(self, obj: Any) -> str:
        return service.render(obj)

    def get_read(self, obj: Any) -> bool:
        return obj.read_at is not None


class NotificationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(NotificationSchema))
    next_cursor = ma.fields.String(allow_none=True)
    unread_count = ma.fields.Integer()


class MarkReadSchema(ma.Schema):
    ids = ma.fields.List(
        ma.fields.Integer(strict=True), load_default=None,
        validate=ma.validate.Length(max=500),
        metadata={"description": "omit to mark all read"},
    )


class MarkedSchema(ma.Schema):
    marked = ma.fields.Integer()
    unread_count = ma.fields.Integer()


@blp.route("/notifications", methods=["GET"])
@auth_required
@blp.arguments(NotificationArgsSchema, location="query")
@blp.response(200, NotificationPageSchema)
def list_notifications(args: dict[str, Any]) -> Any:
    """My notifications, newest first"""
    user_id = current_api_user().id
    page = service.list_for(user_id, args["cursor"], args["limit"], args["unread"])
    return {"items": page.items, "next_cursor": page.next_cursor,
            "unread_count": service.unread_count(user_id)}


@blp.route("/notifications/read", methods=["POST"])
@auth_required
@blp.arguments(MarkReadSchema)
@blp.response(200, MarkedSchema)
def mark_read(data: dict[str, Any]) -> Any:
    """Mark some (or all) of my notifications read"""
    user_id = current_api_user().id
    marked = service.mark_read(user_id, data.get("ids"))
    db.session.commit()
    return {"marked": marked, "unread_count": service.unread_count(user_id)}
