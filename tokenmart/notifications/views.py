"""The notifications inbox page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tokenmart.extensions import db
from tokenmart.notifications import service

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index() -> Any:
    page = service.list_for(current_user.id, request.args.get("cursor"), 30)
    return render_template("notifications/index.html", page=page, render=service.render)


@bp.post("/notifications/read")
@login_required
def mark_all_read() -> Any:
    service.mark_read(current_user.id)
    db.session.commit()
    return redirect(url_for("notifications.index"))
