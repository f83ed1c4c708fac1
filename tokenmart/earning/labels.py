"""Labels of earning's codes: tiers ("tier"), badges ("badge"), share targets ("share_target").

Other domains show these codes too (the profile, the coupon templates' tier limits, the
admin's user list), so the words live here once and every page uses
`{{ code|label('tier') }}`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from tokenmart.core.labels import define

#: one word per tier in tokenmart.earning.settings.TIERS
TIER = define("tier", {
    "member": _l("Member"),
    "silver": _l("Silver"),
    "gold": _l("Gold"),
    "platinum": _l("Platinum"),
})


class _BadgeLabels(Mapping[str, Any]):
    """A live view of the badge rules' names, so a badge registered later has its label.

    The rule table (tokenmart.earning.badges.BADGE_RULES) is where a badge's name is
    written; copying it here would make two places to keep in step.
    """

    def _rules(self) -> Mapping[str, Any]:
        from .badges import BADGE_RULES

        return BADGE_RULES

    def __getitem__(self, code: str) -> Any:
        return self._rules()[code].label

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._rules()))

    def __len__(self) -> int:
        return len(self._rules())


BADGE = define("badge", _BadgeLabels())

#: what a share link points to, shown in the Tasks page's list of my links
SHARE_TARGET = define("share_target", {
    "invite": _l("Invitation to join"),
    "listing": _l("Second-hand listing"),
    "reward": _l("Points mall reward"),
    "campaign": _l("Coupon campaign"),
    "drive": _l("Coupon help drive"),
})
