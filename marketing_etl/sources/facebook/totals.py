"""The Facebook side of the totals check (transforms/totals_check.py): which of a report's columns
add up over its rows, and each ad account's own totals for the job's range.

One insights call per account: level=account, no breakdowns, no time increment, no filtering,
the job's time_range and the same default attribution setting as the rows' request, asking for
the compared columns' fields and account_currency. Amounts stay Decimals as Facebook sent them.
Reach (and frequency) count people, who are not additive over rows: never compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from marketing_etl.context import JobContext
from marketing_etl.contracts.totals_probe import AccountTotals, SummedColumn
from marketing_etl.sources.facebook.catalog import Template
from marketing_etl.sources.facebook.client import GraphClient
from marketing_etl.sources.facebook.graph_errors import AccountForbidden
from marketing_etl.sources.facebook.metrics import Metric
from marketing_etl.sources.facebook.plan import ColumnSpec, ReportPlan, canonical_field
from marketing_etl.sources.facebook.platform_rules import REACH_FIELDS, off_meta_columns, off_meta_note
from marketing_etl.sources.facebook.throttle import FacebookTuning

# Plain insights fields that add up over rows; "spend" is the money one.
ADDITIVE_FIELDS = frozenset({"spend", "impressions", "clicks", "inline_link_clicks"})
REACH_NOTE = "Reach and frequency count people, who are not additive over rows: not compared."
_ZERO_SPEND_NOTE = (
    "This template leaves out rows without spend, whose {metric} Facebook's account total still counts"
)


class FacebookTotals:
    def __init__(
        self,
        ctx: JobContext,
        plan: ReportPlan,
        tuning: FacebookTuning,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._ctx = ctx
        self._tuning = tuning
        self._transport = transport
        self._compared = tuple(c for c in plan.columns if _additive(c))
        self.columns = summed_columns(plan)
        self.notes = exclusion_notes(plan)

    def fetch(self) -> dict[str, AccountTotals]:
        if not self._compared:
            return {}
        client = GraphClient(self._ctx, self._tuning, 1, transport=self._transport)
        try:
            return {
                account.id: totals
                for account in self._ctx.spec.accounts
                if (totals := self._account(client, account.id)) is not None
            }
        finally:
            client.close()

    def _account(self, client: GraphClient, account_id: str) -> AccountTotals | None:
        spec = self._ctx.spec
        fields = dict.fromkeys(["account_currency", *(c.key for c in self._compared)])
        params = {
            "level": "account",
            "fields": ",".join(fields),
            "time_range": {"since": spec.fetch_start_date.isoformat(), "until": spec.end_date.isoformat()},
        }
        try:
            rows = [
                row
                for page in client.pages(f"{account_id}/insights", params, account_id=account_id)
                for row in page
            ]
        except AccountForbidden:
            return None  # the report skipped or failed this account already, saying why
        row: Mapping[str, Any] = rows[0] if rows else {}
        totals = {c.header: _value(row, c) for c in self._compared}
        return AccountTotals(str(row.get("account_currency") or ""), totals)


def summed_columns(plan: ReportPlan) -> tuple[SummedColumn, ...]:
    """The plan's additive columns, each with the note that explains a difference, if any."""
    return tuple(_summed(plan.template, c) for c in plan.columns if _additive(c))


def exclusion_notes(plan: ReportPlan) -> tuple[str, ...]:
    reach = any(c.source == "insight" and c.key in REACH_FIELDS for c in plan.columns)
    return (REACH_NOTE,) if reach else ()


def _summed(template: Template, column: ColumnSpec) -> SummedColumn:
    note = ""
    if _off_meta(template, column):
        note = off_meta_note(template, [column.header])
    elif template.spend_filter and column.key != "spend":
        note = _ZERO_SPEND_NOTE.format(metric=column.header)
    return SummedColumn(column.header, money=column.kind == "money", note=note)


def _additive(column: ColumnSpec) -> bool:
    if column.source == "insight":
        return column.key in ADDITIVE_FIELDS
    metric = column.metric
    if column.source != "metric" or metric is None or metric.source.startswith("unique_"):
        return False
    return metric.kind == "integer" or metric.source == "action_values"


def _off_meta(template: Template, column: ColumnSpec) -> bool:
    return bool(off_meta_columns(template, [canonical_field(template, column.header)]))


def _value(row: Mapping[str, Any], column: ColumnSpec) -> Decimal:
    """The column's total in the account-level row; 0 when Facebook left it out (no delivery)."""
    metric: Metric | None = column.metric
    if metric is None or metric.action_type is None:
        return _decimal(row.get(column.key))
    entries = row.get(metric.source)
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("action_type") == metric.action_type:
            return _decimal(entry.get("value"))
    return Decimal(0)


def _decimal(raw: object) -> Decimal:
    try:
        return Decimal(str(raw)) if raw not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
