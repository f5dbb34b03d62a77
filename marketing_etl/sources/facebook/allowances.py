"""The per-account daily allowances Facebook grants for some async report runs, and what a job
does when one is used up (the rules themselves are in platform_rules.py).

- Reach with breakdowns older than 13 months: 10 async runs per ad account per day. The count is
  kept in the shared budget store (every worker draws from it) and corrected by Facebook's
  `x-Fb-Ads-Insights-Reach-Throttle` header; without an allowance the query goes without
  reach, frequency and cpp, whose cells stay blank (never 0), and the job's message says why.
- Hourly (audience time zone) breakdown: min(10, number of ads) async runs per 24 hours for an
  account without the opt-in; when they are used up the job fails before calling, naming the
  reset time. An account that spent in the range but gets no hourly rows is warned about.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from enum import Enum
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.errors import EtlError, UserError
from marketing_etl.ratelimit import Budget, Limit
from marketing_etl.sources.facebook.catalog import HOURLY
from marketing_etl.sources.facebook.client import GraphClient
from marketing_etl.sources.facebook.plan import ReportPlan
from marketing_etl.sources.facebook.platform_rules import (
    HOURLY_OPT_IN_SINCE,
    REACH_FIELDS,
    REACH_WITH_BREAKDOWNS_MONTHS,
    reach_needs_async,
)
from marketing_etl.validation import months_before

DAY_S = 86_400.0
REACH_RUNS_PER_DAY = 10
HOURLY_RUNS_MOST = 10
FULL_PCT = 100.0
REACH_LIMIT_MESSAGE = "Reach-related metric breakdowns are unavailable due to rate limit threshold"
Page = list[dict[str, Any]]


class Reach(Enum):
    AS_USUAL = "as usual"  # no reach rule applies: sync or async by size
    ASYNC = "async"  # an allowance was taken: an async run brings reach
    WITHHELD = "withheld"  # no allowance: asked for without reach, its cells left blank


class Allowances:
    """One job's use of the allowances; thread-safe (accounts are fetched in parallel)."""

    def __init__(self, ctx: JobContext, plan: ReportPlan, budget: Budget, today: date) -> None:
        self._ctx = ctx
        self._plan = plan
        self._budget = budget
        self._today = today
        self._lock = threading.Lock()
        self._ads: dict[str, int] = {}
        self._reach_used_up: set[str] = set()
        self._warned: set[str] = set()

    # reach, frequency and cpp with breakdowns ---------------------------------------------
    def reach_mode(self, client: GraphClient, account_id: str, since: date) -> Reach:
        if not reach_needs_async(self._plan.template, self._plan.insight_fields, since, self._today):
            return Reach.AS_USUAL
        wait_s = None
        if account_id not in self._reach_used_up and client.reach_used_pct(account_id) < FULL_PCT:
            wait_s = self._budget.try_acquire(f"reach:{account_id}", [Limit(REACH_RUNS_PER_DAY, DAY_S)])
            if wait_s == 0:
                return Reach.ASYNC
        self._warn_reach(account_id, wait_s)
        return Reach.WITHHELD

    def reach_refused(self, account_id: str, exc: EtlError) -> bool:
        """True when Facebook refused a reach run for the allowance: the caller asks again
        without reach."""
        if REACH_LIMIT_MESSAGE.lower() not in exc.user_message.lower():
            return False
        with self._lock:
            self._reach_used_up.add(account_id)
        return True

    @staticmethod
    def without_reach(fields: str) -> str:
        return ",".join(f for f in fields.split(",") if f not in REACH_FIELDS)

    @staticmethod
    def blank_reach(pages: Iterator[Page]) -> Iterator[Page]:
        """Marks reach as not reported (None), which the row shaper writes as a blank cell."""
        for page in pages:
            for row in page:
                row.update(dict.fromkeys(REACH_FIELDS))
            yield page

    def _warn_reach(self, account_id: str, wait_s: float | None) -> None:
        if not self._first_warning(f"reach:{account_id}"):
            return
        cutoff = months_before(self._today, REACH_WITH_BREAKDOWNS_MONTHS)
        when = f"; the next is allowed at {self._at(wait_s)}" if wait_s else ""
        self._ctx.warn(
            f"Reach and frequency are left blank for ad account {account_id}: with a breakdown, "
            f"Facebook reports them for dates before {cutoff} only through {REACH_RUNS_PER_DAY} "
            f"report runs per ad account a day, and today's are used up{when}. Run the job again "
            f"later, or start it on or after {cutoff}"
        )

    # the hourly breakdown ---------------------------------------------------------------
    def take_hourly_run(self, client: GraphClient, account_id: str) -> None:
        """Count one hourly async run, or fail before calling when the allowance is used up."""
        if HOURLY not in self._plan.template.breakdowns:
            return
        most = min(HOURLY_RUNS_MOST, max(1, self._ad_count(client, account_id)))
        wait_s = self._budget.try_acquire(f"hourly-runs:{account_id}", [Limit(most, DAY_S)])
        if wait_s > 0:
            raise UserError(
                f"Facebook allows ad account {account_id} {most} hourly-breakdown report runs per "
                f"24 hours (the smaller of 10 and its number of ads) unless it has opted in to "
                f"hourly breakdowns, and they are used up. The next one is allowed at "
                f"{self._at(wait_s)}: run the job again then."
            )

    def explain_no_hourly_rows(self, client: GraphClient, account_id: str, since: date, until: date) -> None:
        """An account that spent but has no hourly rows most likely lacks the opt-in: say so
        instead of leaving a silently empty tab."""
        if HOURLY not in self._plan.template.breakdowns:
            return
        params = {
            "level": "account",
            "fields": "spend",
            "time_range": {"since": since.isoformat(), "until": until.isoformat()},
        }
        pages = client.pages(f"{account_id}/insights", params, account_id=account_id)
        spend = sum(float(row.get("spend") or 0) for page in pages for row in page)
        if spend > 0 and self._first_warning(f"hourly:{account_id}"):
            self._ctx.warn(
                f"Facebook returned no hourly rows for ad account {account_id} from {since} to "
                f"{until} although it spent {spend:,.2f} then: since {HOURLY_OPT_IN_SINCE} an account "
                "without Meta sales support must opt in to hourly breakdowns in Ads Manager before "
                "Facebook reports them. Opt in, then run the job again"
            )

    def _ad_count(self, client: GraphClient, account_id: str) -> int:
        with self._lock:
            if account_id in self._ads:
                return self._ads[account_id]
        params = {"fields": "id", "limit": 1, "summary": "total_count"}
        body = client.get(f"{account_id}/ads", params, account_id=account_id)
        count = int((body.get("summary") or {}).get("total_count") or 0)
        with self._lock:
            self._ads[account_id] = count
        return count

    def _first_warning(self, key: str) -> bool:
        with self._lock:
            first = key not in self._warned
            self._warned.add(key)
        return first

    def _at(self, wait_s: float | None) -> str:
        moment = self._ctx.now() + timedelta(seconds=wait_s or 0)
        return f"{moment:%Y-%m-%d %H:%M} UTC"
