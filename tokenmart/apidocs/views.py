"""`/api/v1/docs`: the OpenAPI document as a readable page that works offline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from tokenmart.accounts.auth import public
from tokenmart.extensions import api

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
@public
def docs() -> Any:
    spec = api.spec.to_dict()
    operations = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operations.append({"path": path, "method": method.upper(), "op": op})
    return render_template("apidocs/docs.html", spec=spec, operations=operations)
