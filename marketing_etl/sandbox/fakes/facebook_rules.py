"""The fake Graph API's share of Meta's 2025-2026 data rules (the service's side is
sources/facebook/platform_rules.py and allowances.py):

- retention: `unique_*` fields and hourly rows only for the last 13 months (older ones silently
  absent; the 37-month limit is not enforced, so the seed README's 2023 example keeps working);
- reach, frequency and cpp with breakdowns starting more than 13 months ago: left out of sync
  answers; async runs get them, 10 per ad account per day, counted in the
  `x-Fb-Ads-Insights-Reach-Throttle` header, then refused;
- accounts without the hourly opt-in (World.needs_hourly_opt_in): no hourly rows
  (facebook_insights.group), async hourly runs limited to min(10, ads) per day;
- `act_X/ads?summary=total_count`, which the service reads to size that limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from marketing_etl.sandbox.fakes.facebook_insights import HOURLY, Query
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.validation import months_before

REACH_FIELDS = frozenset({"reach", "frequency", "cpp"})
REACH_RUNS_PER_DAY = 10
REACH_REFUSED = "Reach-related metric breakdowns are unavailable due to rate limit threshold."
HOURLY_REFUSED = "(#4) Too many hourly breakdown report runs for this ad account; try again tomorrow."


class Refused(Exception):
    def __init__(self, code: int, message: str, subcode: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.subcode = code, message, subcode


@dataclass
class FakeRules:
    world: World
    today: date | None = None  # None: the real date
    reach_runs: dict[str, int] = field(default_factory=dict)  # per account, today
    hourly_runs: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.today = None
        self.reach_runs.clear()
        self.hourly_runs.clear()

    def query(self, account_id: str, query: Query, *, sync: bool) -> Query:
        """The query as Facebook answers it: what it leaves out, or Refused."""
        recent = months_before(self.today or date.today(), 13)
        fields = query.fields
        if query.since < recent:
            fields = tuple(f for f in fields if not f.startswith(("unique_", "cost_per_unique_")))
            if query.breakdowns and REACH_FIELDS & set(fields):
                fields = self._reach_fields(account_id, fields, sync=sync)
        if HOURLY in query.breakdowns:
            if not sync and account_id in self.world.needs_hourly_opt_in:
                self._count_hourly_run(account_id)
            query = replace(query, since=max(query.since, recent))
        return replace(query, fields=fields)

    def headers(self, account_id: str) -> dict[str, str]:
        used = 100 * self.reach_runs.get(account_id, 0) // REACH_RUNS_PER_DAY
        return {"x-fb-ads-insights-reach-throttle": f'{{"acc_id_util_pct":{used}}}'}

    def ads_summary(self, account_id: str) -> dict[str, object]:
        ads = self.world.accounts[account_id].ads
        return {"data": [{"id": ad.id} for ad in ads[:1]], "summary": {"total_count": len(ads)}}

    def _reach_fields(self, account_id: str, fields: tuple[str, ...], *, sync: bool) -> tuple[str, ...]:
        if sync:
            return tuple(f for f in fields if f not in REACH_FIELDS)
        runs = self.reach_runs.get(account_id, 0)
        if runs >= REACH_RUNS_PER_DAY:
            raise Refused(100, REACH_REFUSED)
        self.reach_runs[account_id] = runs + 1
        return fields

    def _count_hourly_run(self, account_id: str) -> None:
        runs = self.hourly_runs.get(account_id, 0)
        if runs >= min(10, len(self.world.accounts[account_id].ads)):
            raise Refused(4, HOURLY_REFUSED, 1504022)
        self.hourly_runs[account_id] = runs + 1
