"""The contract's error codes for coupons and campaigns (SPEC §3, §4)."""

from __future__ import annotations

from tokenmart.errors import N_, Conflict, Forbidden, Gone, NotFound, RateLimited, ValidationError


class SoldOut(Conflict):
    code, message = "sold_out", N_("This coupon is sold out.")


class NotEligible(Forbidden):
    code, message = "not_eligible", N_("You are not eligible for this coupon.")


class LimitReached(Forbidden):
    code, message = "limit_reached", N_("You already claimed as many of these as allowed.")


class CouponNotActive(Conflict):
    code, message = "coupon_not_active", N_("This coupon is not active (used, expired or voided).")


class BelowMinSpend(ValidationError):
    code, message = "below_min_spend", N_("The order does not reach this coupon's minimum spend.")


class TemplateEnded(Conflict):
    code, message = "template_ended", N_("This coupon's validity window has ended.")


class CouponNotFound(NotFound):
    message = N_("No such coupon.")


class DriveLimitReached(RateLimited):
    code, message = "drive_limit_reached", N_("You started as many drives today as allowed.")


class AssistLimitReached(RateLimited):
    code, message = "assist_limit_reached", N_("You helped as many friends today as allowed.")


class OwnDrive(Forbidden):
    code, message = "own_drive", N_("You cannot help your own drive; share it with friends.")


class AlreadyAssisted(Conflict):
    code, message = "already_assisted", N_("You already helped this drive.")


class DriveCompleted(Conflict):
    code, message = "drive_completed", N_("This drive is already complete.")


class DriveExpired(Gone):
    code, message = "drive_expired", N_("This drive has expired.")
