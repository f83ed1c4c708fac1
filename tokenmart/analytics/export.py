"""A report's tables as CSV rows (code, label, figures), one table per download."""

from __future__ import annotations

import csv
import io
from typing import Any

from tokenmart.analytics.labels import REPORT_TABLE
from tokenmart.core.labels import label

TABLES = tuple(REPORT_TABLE)


def _safe(value: Any) -> Any:
    """Spreadsheets run a cell that starts with = + - @ as a formula; names are text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def table_rows(report: dict[str, Any], table: str) -> list[list[Any]]:
    """Header and rows of one table of the report (TABLES); [] for uplift without one."""
    if table == "funnel":
        rows = [["stage", "label", "count", "rate"]]
        for stage, n in report["funnel"].items():
            rows.append([stage, label(stage, "funnel_stage"), n, report["rates"].get(stage)])
        return rows
    if table == "acquisition":
        rows = [["figure", "label", "value"]]
        rows += [[k, label(k, "acquisition_figure"), v] for k, v in report["acquisition"].items()]
        rows.append(["day", "registered_cumulative", "active_that_day"])
        curves = report.get("curves") or {"registered": [], "active": []}
        rows += [[d, r, a] for d, (r, a) in enumerate(zip(curves["registered"], curves["active"],
                                                           strict=True))]
        return rows
    if table == "cost":
        rows = [["figure", "label", "value"],
                ["cost_cents", "", report["cost_cents"]],
                ["cost_flowers", "", report["cost_flowers"]]]
        rows += [[k, "", v] for k, v in report["cost_breakdown"].items()]
        rows += [[k, label(k, "roi_figure"), v] for k, v in report["roi"].items()]
        return rows
    if table == "effect":
        rows = [["figure", "label", "value"]]
        return rows + [[k, label(k, "effect_figure"), v] for k, v in report["effect"].items()]
    uplift = report.get("uplift")
    if not uplift:
        return []
    rows = [["metric", "label", "treated_mean", "control_mean", "difference", "ci_low",
             "ci_high", "treated", "control"]]
    for name, m in uplift["metrics"].items():
        rows.append([name, label(name, "uplift_metric"), m["treated_mean"], m["control_mean"],
                     m["difference"], m["ci_low"], m["ci_high"], uplift["treated"],
                     uplift["control"]])
    return rows


def to_csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return out.getvalue()
