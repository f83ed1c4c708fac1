"""Events other domains react to without accounts importing them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent with (user, actor_id) after a ban is flushed, in the same transaction
user_banned = _signals.signal("user-banned")
#: sent with (user, actor_id) after an unban
user_unbanned = _signals.signal("user-unbanned")
#: sent with (user, ref) after registration, e.g. so earning can record a referral
user_registered = _signals.signal("user-registered")
