"""What can be shared: a registry of target kinds, so each domain plugs in its own.

`register_share_target("listing", resolve_url, exists)` is called at import time by the
domain that owns the kind (barter, mall, coupons); earning knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tokenmart.errors import N_, NotFound, ValidationError


@dataclass(frozen=True)
class ShareTarget:
    kind: str
    #: target id -> the URL /s/<code> redirects to (called in a request context)
    resolve_url: Callable[[int], str]
    #: target id -> whether it exists and may be shared now
    exists: Callable[[int], bool]


_TARGETS: dict[str, ShareTarget] = {}


def register_share_target(
    kind: str, resolve_url_fn: Callable[[int], str], exists_fn: Callable[[int], bool]
) -> None:
    """Make `kind` shareable; registering a kind again replaces it (tests may fake kinds)."""
    if not kind or len(kind) > 20:
        raise ValueError("a share target kind is 1-20 characters")
    _TARGETS[kind] = ShareTarget(kind, resolve_url_fn, exists_fn)


def unregister_share_target(kind: str) -> None:
    _TARGETS.pop(kind, None)


def share_target_kinds() -> list[str]:
    return sorted(_TARGETS)


def get_share_target(kind: str) -> ShareTarget:
    """The registered target kind; ValidationError (422) naming the known kinds otherwise."""
    target = _TARGETS.get(kind)
    if target is None:
        raise ValidationError(
            N_("Unknown target_type %(kind)s; use one of: %(kinds)s."),
            params={"kind": repr(kind), "kinds": ", ".join(share_target_kinds())},
            details={"fields": {"target_type": [N_("Not a kind of thing that can be shared.")]}},
        )
    return target


def require_existing(kind: str, target_id: int) -> ShareTarget:
    """The target kind, after checking the target exists (NotFound otherwise)."""
    target = get_share_target(kind)
    if not target.exists(target_id):
        raise NotFound(N_("There is nothing to share with that id."))
    return target


def _invite_exists(user_id: int) -> bool:
    from tokenmart.accounts.models import User
    from tokenmart.extensions import db

    user = db.session.get(User, user_id)
    return user is not None and not user.is_banned


def _invite_url(user_id: int) -> str:
    from flask import url_for

    return url_for("accounts.register")


# "invite": a user's invitation to join tokenmart (target id = the inviting user's id).
register_share_target("invite", _invite_url, _invite_exists)
