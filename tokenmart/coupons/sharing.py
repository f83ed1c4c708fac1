"""Campaigns and drives as share-link targets (earning's `/s/<code>` links)."""

from __future__ import annotations

from flask import url_for

from tokenmart.coupons.models import Campaign, Drive
from tokenmart.earning.targets import register_share_target
from tokenmart.extensions import db


def _campaign_exists(campaign_id: int) -> bool:
    from tokenmart.coupons.campaigns_service import is_running

    campaign = db.session.get(Campaign, campaign_id)
    return campaign is not None and is_running(campaign)


def _campaign_url(campaign_id: int) -> str:
    return url_for("coupons.campaigns") + f"#campaign-{campaign_id}"


def _drive_exists(drive_id: int) -> bool:
    drive = db.session.get(Drive, drive_id)
    return drive is not None and drive.current_status == "open"


def _drive_url(drive_id: int) -> str:
    drive = db.session.get(Drive, drive_id)
    return url_for("coupons.drive", code=drive.code) if drive else url_for("coupons.campaigns")


register_share_target("campaign", _campaign_url, _campaign_exists)
register_share_target("drive", _drive_url, _drive_exists)
