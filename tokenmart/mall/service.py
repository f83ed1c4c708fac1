"""The mall's services under one old name, for callers outside the mall's own files.

The rules live in three modules split along their seams: `redeem_service` (the hot
path), `catalog_service` (reading) and `admin_service` (the catalog's changes, images,
codes and shipping). Mall code imports those directly; this facade keeps
`tokenmart.mall.service.redeem_reward` and friends importable for the rest
(tests/mall/test_redeem_statements.py pins the hot path's statement count through it).
"""

from __future__ import annotations

from tokenmart.mall.admin_service import (
    EDITABLE,
    MAX_CODES_PER_UPLOAD,
    TIERS,
    add_voucher_codes,
    clean_codes,
    create_reward,
    deactivate_reward,
    mark_shipped,
    parse_codes_csv,
    remove_reward_image,
    set_reward_image,
    update_reward,
)
from tokenmart.mall.catalog_service import (
    codes_left,
    fulfilment_list,
    get_open_reward,
    get_redemption_of,
    get_reward,
    is_open,
    list_all_rewards,
    list_rewards,
    open_rewards_query,
    redemption_counts,
    redemptions_of,
    rewards_by_id,
)
from tokenmart.mall.errors import LimitReached, OutOfStock, RewardNotFound
from tokenmart.mall.redeem_service import GRANTS, RedeemResult, redeem_reward

__all__ = [
    "EDITABLE", "GRANTS", "MAX_CODES_PER_UPLOAD", "TIERS", "LimitReached", "OutOfStock",
    "RedeemResult", "RewardNotFound", "add_voucher_codes", "clean_codes", "codes_left",
    "create_reward", "deactivate_reward", "fulfilment_list", "get_open_reward",
    "get_redemption_of", "get_reward", "is_open", "list_all_rewards", "list_rewards",
    "mark_shipped", "open_rewards_query", "parse_codes_csv", "redeem_reward",
    "redemption_counts", "redemptions_of", "remove_reward_image",
    "rewards_by_id", "set_reward_image", "update_reward",
]
