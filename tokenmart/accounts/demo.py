"""Demo users with known passwords, and an admin."""

from __future__ import annotations

from typing import Any

from tokenmart.extensions import db

ORDER = 10
DEMO_USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "小红花"]


def seed(ctx: Any) -> None:
    from tokenmart.accounts import service
    from tokenmart.demo import ADMIN_PASSWORD, DEMO_PASSWORD

    ctx.admin = service.create_admin("admin", ADMIN_PASSWORD)
    ctx.users["admin"] = ctx.admin
    for name in DEMO_USERS:
        ctx.users[name] = service.register_user(
            name, DEMO_PASSWORD, email=None, locale="zh_Hans" if name == "小红花" else None
        )
    service.grant_role(ctx.users["grace"], "merchant")
    db.session.commit()
    ctx.step(f"{len(DEMO_USERS)} users and an admin")
