"""Totals-check comparisons as stored documents (SQL JSON column, MongoDB sub-documents):
amounts as decimal text, so no backend rounds them through a float."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from marketing_etl.contracts.totals import MetricComparison


def comparisons_to_doc(comparisons: Iterable[MetricComparison]) -> list[dict[str, Any]]:
    return [
        {
            "account": c.account,
            "metric": c.metric,
            "platform_total": str(c.platform_total),
            "report_total": str(c.report_total),
            "matches": c.matches,
            "note": c.note,
        }
        for c in comparisons
    ]


def comparisons_from_doc(docs: Iterable[dict[str, Any]]) -> tuple[MetricComparison, ...]:
    return tuple(
        MetricComparison(
            account=str(d["account"]),
            metric=str(d["metric"]),
            platform_total=Decimal(str(d["platform_total"])),
            report_total=Decimal(str(d["report_total"])),
            matches=bool(d["matches"]),
            note=str(d.get("note") or ""),
        )
        for d in docs
    )
