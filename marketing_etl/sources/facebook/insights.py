"""Insights requests for one account and date window: sized, sent sync or async, split on demand.

A request carries every selected field at once. Small ones are sync GETs; ones expected to need
many result pages (or any hourly breakdown, which Facebook serves reliably only async) are async
report runs; a long range of one account can be cut into async runs fetched side by side
(`parallel_ranges`) when each still brings enough rows to pay for its run's extra calls.
When Facebook says "reduce the amount of data" (or a run fails), the request is split:
the date range is halved down to single days (daily templates only: halving an aggregate would
change its numbers), then the campaigns are halved, and the parts are fetched the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Protocol

from marketing_etl.errors import FatalError, UserError
from marketing_etl.sources.facebook.allowances import Allowances, Reach
from marketing_etl.sources.facebook.catalog import HOURLY
from marketing_etl.sources.facebook.client import GraphClient
from marketing_etl.sources.facebook.graph_errors import TooMuchData
from marketing_etl.sources.facebook.plan import ReportPlan
from marketing_etl.sources.facebook.report_run import report_pages
from marketing_etl.sources.facebook.throttle import FacebookTuning

log = logging.getLogger(__name__)

# Rough objects with delivery per account and day, only to size requests (never to shape rows).
LEVEL_ROWS_PER_DAY = {"account": 1, "campaign": 5, "adset": 15, "ad": 50}
CHUNK_ROWS = 20_000  # rows one date window may bring (the rows wait on disk: row_spool.py)
ASYNC_FROM_ROWS = 5_000  # ten 500-row pages: from here the run's POST and polls cost < 20 % extra
ALL_AD_STATUSES = [
    "ACTIVE",
    "ADSET_PAUSED",
    "ARCHIVED",
    "CAMPAIGN_PAUSED",
    "DELETED",
    "DISAPPROVED",
    "IN_PROCESS",
    "PAUSED",
    "PENDING_BILLING_INFO",
    "PENDING_REVIEW",
    "PREAPPROVED",
    "WITH_ISSUES",
]


class RowSink(Protocol):
    """Where a slice's rows go as they arrive; a request's rows are undone if it fails."""

    @property
    def rows(self) -> int: ...

    def add(self, raw: dict[str, Any]) -> None: ...

    def mark(self) -> Any: ...

    def rollback(self, mark: Any) -> None: ...


@dataclass(frozen=True)
class Slice:
    account_id: str
    since: date
    until: date
    campaign_ids: tuple[str, ...] = ()  # empty: every campaign of the account

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def date_windows(plan: ReportPlan, start: date, end: date) -> list[tuple[date, date]]:
    """The job's range in windows of about CHUNK_ROWS rows (one window for aggregate templates)."""
    template = plan.template
    if template.time_increment is None:
        return [(start, end)]
    per_day = LEVEL_ROWS_PER_DAY[template.level] * template.breakdown_fanout
    days = max(1, CHUNK_ROWS // per_day)
    windows = []
    since = start
    while since <= end:
        until = min(end, since + timedelta(days=days - 1))
        windows.append((since, until))
        since = until + timedelta(days=1)
    return windows


class InsightsFetcher:
    def __init__(
        self, client: GraphClient, plan: ReportPlan, tuning: FacebookTuning, allowances: Allowances
    ) -> None:
        self._client = client
        self._plan = plan
        self._tuning = tuning
        self._allowances = allowances

    def fetch(self, piece: Slice, sink: RowSink) -> None:
        before = sink.rows
        self._fetch(piece, sink)
        if sink.rows == before:
            self._allowances.explain_no_hourly_rows(self._client, piece.account_id, piece.since, piece.until)

    def _fetch(self, piece: Slice, sink: RowSink) -> None:
        """All rows of `piece`, into the sink. A request's rows are kept only once it has
        succeeded, so a request that fails halfway and is split never gives a row twice."""
        mark = sink.mark()
        try:
            for page in self._pages(piece):
                for row in page:
                    sink.add(row)
            return
        except FatalError as exc:
            sink.rollback(mark)
            if not self._allowances.reach_refused(piece.account_id, exc):
                raise
            return self._fetch(piece, sink)  # again, now without reach
        except TooMuchData as exc:
            sink.rollback(mark)
            parts = self._split(piece)
            log.info(
                "Facebook asked for less data (%s); fetching %s in %d parts",
                exc.detail or exc.user_message,
                _describe(piece),
                len(parts),
            )
        for part in parts:
            self._fetch(part, sink)

    def _pages(self, piece: Slice) -> Iterator[list[dict[str, Any]]]:
        params = self._params(piece)
        reach = self._allowances.reach_mode(self._client, piece.account_id, piece.since)
        if reach is Reach.WITHHELD:
            params["fields"] = Allowances.without_reach(params["fields"])
            return Allowances.blank_reach(self._request(piece, params, large=self._is_large(piece)))
        return self._request(piece, params, large=reach is Reach.ASYNC or self._is_large(piece))

    def _request(
        self, piece: Slice, params: dict[str, Any], *, large: bool
    ) -> Iterator[list[dict[str, Any]]]:
        if large:
            self._allowances.take_hourly_run(self._client, piece.account_id)
            return report_pages(self._client, piece.account_id, params, self._tuning)
        return self._client.pages(f"{piece.account_id}/insights", params, account_id=piece.account_id)

    def parallel_ranges(self, since: date, until: date, ways: int) -> list[tuple[date, date]]:
        """The range in up to `ways` consecutive parts of at least ASYNC_FROM_ROWS expected rows
        each (one part when the range is smaller, or the template's rows are aggregates)."""
        days = (until - since).days + 1
        if not self._plan.template.time_increment:
            return [(since, until)]
        parts = max(1, min(ways, days, self._expected_rows(days) // ASYNC_FROM_ROWS))
        bounds = [since + timedelta(days=days * n // parts) for n in range(parts + 1)]
        return [(bounds[n], bounds[n + 1] - timedelta(days=1)) for n in range(parts)]

    def _is_large(self, piece: Slice) -> bool:
        if HOURLY in self._plan.template.breakdowns:
            return True
        return self._expected_rows(piece.days) >= ASYNC_FROM_ROWS

    def _expected_rows(self, days: int) -> int:
        template = self._plan.template
        per_day = LEVEL_ROWS_PER_DAY[template.level] * template.breakdown_fanout
        return (days if template.time_increment else 1) * per_day

    def _params(self, piece: Slice, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
        template = self._plan.template
        params: dict[str, Any] = {
            "level": template.level,
            "fields": ",".join(fields or self._plan.insight_fields),
            "time_range": {"since": piece.since.isoformat(), "until": piece.until.isoformat()},
        }
        if fields is None and template.time_increment:
            params["time_increment"] = template.time_increment
        if fields is None and template.breakdowns:
            params["breakdowns"] = ",".join(template.breakdowns)
        filters: list[dict[str, Any]] = []
        if template.spend_filter:
            filters.append({"field": "spend", "operator": "GREATER_THAN", "value": "0"})
        if piece.campaign_ids:
            filters.append({"field": "campaign.id", "operator": "IN", "value": list(piece.campaign_ids)})
        if filters:
            # Any filtering makes Facebook drop paused, archived and deleted ads unless asked for.
            filters.append({"field": "ad.effective_status", "operator": "IN", "value": ALL_AD_STATUSES})
            params["filtering"] = filters
        return params

    def _split(self, piece: Slice) -> list[Slice]:
        template = self._plan.template
        if template.time_increment and piece.days > 1:
            middle = piece.since + timedelta(days=piece.days // 2 - 1)
            return [replace(piece, until=middle), replace(piece, since=middle + timedelta(days=1))]
        campaigns = piece.campaign_ids or self._campaigns_with_data(piece)
        if template.level != "account" and len(campaigns) > 1:
            half = len(campaigns) // 2
            return [
                replace(piece, campaign_ids=campaigns[:half]),
                replace(piece, campaign_ids=campaigns[half:]),
            ]
        raise UserError(
            f"Facebook could not return this report for ad account {piece.account_id} even for "
            f"{_describe(piece)}. Select fewer fields or a shorter date range."
        )

    def _campaigns_with_data(self, piece: Slice) -> tuple[str, ...]:
        if self._plan.template.level == "account":
            return ()
        params = {**self._params(piece, ("campaign_id",)), "level": "campaign"}
        pages = self._client.pages(f"{piece.account_id}/insights", params, account_id=piece.account_id)
        return tuple(sorted({str(row["campaign_id"]) for page in pages for row in page}))


def _describe(piece: Slice) -> str:
    dates = str(piece.since) if piece.days == 1 else f"{piece.since} to {piece.until}"
    if piece.campaign_ids:
        return f"{dates}, {len(piece.campaign_ids)} campaign(s)"
    return dates
