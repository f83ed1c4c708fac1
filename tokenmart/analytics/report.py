"""A subject's whole report: funnel, acquisition, cost, effect, ROI and uplift.

Read-only: every figure is a query over facts other domains recorded; nothing is
written. The shape is the contract's report (SPEC "Request bodies") plus `subject`,
`rates` and `cost_breakdown`.
"""

from __future__ import annotations

from typing import Any

from tokenmart.analytics import acquisition as acquisition_q
from tokenmart.analytics import cost as cost_q
from tokenmart.analytics import effect as effect_q
from tokenmart.analytics import funnel as funnel_q
from tokenmart.analytics import uplift as uplift_q
from tokenmart.analytics.attribution import PATH_KINDS
from tokenmart.analytics.subjects import Subject, get_subject
from tokenmart.core.clock import utcnow
from tokenmart.errors import N_, NotFound


def subject_for_path(path_kind: str, subject_id: int) -> Subject:
    """The subject named by the API's path kind (e.g. "coupon-template"); 404 otherwise."""
    kind = PATH_KINDS.get(path_kind)
    if kind is None:
        raise NotFound(N_("No such report."))
    return get_subject(kind, subject_id)


def build_report(subject: Subject) -> dict[str, Any]:
    now = utcnow()
    funnel = funnel_q.funnel(subject, now)
    acquisition = acquisition_q.acquisition(subject)
    spent = cost_q.cost(subject)
    report: dict[str, Any] = {
        "subject": {"kind": subject.kind, "id": subject.id, "name": subject.name,
                    "created_at": subject.created_at},
        "funnel": funnel,
        "rates": funnel_q.rates(funnel),
        "acquisition": acquisition,
        **spent,
        "effect": effect_q.effect(subject),
        "roi": cost_q.roi(spent["cost_cents"], funnel["redeemed"], acquisition["registered"],
                          acquisition["retained_30d"]),
        "generated_at": now,
    }
    up = uplift_q.uplift(subject, now)
    if up is not None:
        report["uplift"] = up
    return report


def build_page_report(subject: Subject) -> dict[str, Any]:
    """The report plus the day-by-day acquisition and retention curves the page draws."""
    report = build_report(subject)
    report["curves"] = acquisition_q.curves(subject)
    return report
