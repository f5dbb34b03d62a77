"""TikTok's daily quota on GMV Max report calls: per app, per UTC day, shared by every job.

TikTok allows an app about 20,000 calls a day to /gmv_max/report/get/ (TIKTOK_MAX_CALLS_PER_DAY)
and answers "too many requests" for the rest of the UTC day once they are spent. Every report
call, retries included, is counted in the same store as the per-second budget (Redis when
configured), and a job whose estimate does not fit in what is left fails before calling.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from marketing_etl.errors import UserError
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import utcnow
from marketing_etl.ratelimit import DailyQuota, next_utc_midnight, open_daily_quota
from marketing_etl.settings import Settings
from marketing_etl.sources.tiktok.client import MAX_FILTER_IDS
from marketing_etl.sources.tiktok.dates import DAILY_MAX_DAYS, UNDIVIDED_MAX_DAYS, windows

NAMESPACE = "tiktok"
KEY = "app:report"


@dataclass(frozen=True)
class QuotaUse:
    used: int
    limit: int
    resets_at: datetime

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


def campaign_list_calls(spec: JobSpec) -> int:
    """The report calls that find a job's campaigns: one per 365 days of range."""
    return len(windows(spec.fetch_start_date, spec.end_date, UNDIVIDED_MAX_DAYS))


def rows_calls(task: str, spec: JobSpec, campaigns: int) -> int:
    """The fewest report calls the rows of a job take once its campaigns are known: per date
    window (30 days for products, 365 for creatives) one per 100 campaigns, and for creatives one
    more per 100 campaigns to find the products with delivery. Extra pages of 1,000 rows, more
    than 100 products, and posts missing from the video list add to it."""
    if campaigns == 0:
        return 0
    batches = math.ceil(campaigns / MAX_FILTER_IDS)
    if task == "product":
        return len(windows(spec.fetch_start_date, spec.end_date, DAILY_MAX_DAYS)) * batches
    return len(windows(spec.fetch_start_date, spec.end_date, UNDIVIDED_MAX_DAYS)) * 2 * batches


class ReportQuota:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utcnow) -> None:
        self._store: DailyQuota = open_daily_quota(settings.broker_url, NAMESPACE)
        self._limit = settings.tiktok_max_calls_per_day
        self._clock = clock

    def use(self) -> QuotaUse:
        return QuotaUse(self._store.used_today(KEY), self._limit, next_utc_midnight(self._clock()))

    def take(self) -> None:
        """Count one report call, or fail the job when today's quota is spent."""
        if self._store.take(KEY, self._limit) is None:
            raise UserError(
                f"TikTok's daily quota of {self._limit:,} report calls (TIKTOK_MAX_CALLS_PER_DAY, shared "
                f"by every job) is used up for today; {self._resets()}. Retry the job after that."
            )

    def ensure_room(self, needed: int, what: str) -> None:
        """Fail before calling when `needed` more report calls do not fit in what is left today."""
        use = self.use()
        if needed > use.left:
            raise UserError(
                f"This {what} needs about {needed:,} TikTok report call{'' if needed == 1 else 's'}, "
                f"but only {use.left:,} of today's {use.limit:,} are left (TIKTOK_MAX_CALLS_PER_DAY, "
                f"shared by every job); {self._resets()}. Run it after that, or shorten its date range."
            )

    def _resets(self) -> str:
        now = self._clock()
        minutes = math.ceil((next_utc_midnight(now) - now).total_seconds() / 60)
        return f"the quota resets at 00:00 UTC, in {minutes // 60} h {minutes % 60:02d} min"
