"""Platform usage numbers read out of a job's recorded API calls, for the job page's charts.

How a call's usage keys are read (defensively, percentages as recorded) lives in
marketing_etl.usage_figures, which the store also uses to classify calls in its API-call rollups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, computed_field

from marketing_etl.models import ApiCall
from marketing_etl.usage_figures import (
    ACCOUNT_KEYS,
    CRITICAL_PCT,
    REGAIN_KEYS,
    TIER_KEYS,
    WAIT_KEYS,
    WARNING_PCT,
    highest,
    number,
    percents,
    text,
    tier_name,
    usage_of,
)

__all__ = ["CRITICAL_PCT", "WARNING_PCT", "AccountUsage", "UsagePoint", "accounts_table", "usage_point"]


def account_label(raw: str | None) -> str | None:
    # Usage headers name accounts by bare number; requests use act_<number>. Show one form.
    if raw is None:
        return None
    return f"act_{raw}" if raw.isdigit() else raw


class UsagePoint(BaseModel):
    """One API call's usage figures; None where the call did not report that figure."""

    ts: datetime
    platform: str
    endpoint: str
    http_status: int | None
    duration_ms: float
    account_id: str | None
    app_pct: float | None
    insights_app_pct: float | None
    account_pct: float | None
    insights_account_pct: float | None
    call_count_pct: float | None
    cputime_pct: float | None
    time_pct: float | None
    regain_min: float | None
    wait_s: float | None
    tier: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def load_pct(self) -> float | None:
        """The highest usage figure of the call: how close it came to being throttled."""
        return highest(
            self.app_pct,
            self.insights_app_pct,
            self.account_pct,
            self.insights_account_pct,
            self.call_count_pct,
            self.cputime_pct,
            self.time_pct,
        )

    @property
    def account_load_pct(self) -> float | None:
        """The account's own usage, by the ad-account or the insights header."""
        return highest(self.account_pct, self.insights_account_pct)


def usage_point(call: ApiCall) -> UsagePoint:
    usage = usage_of(call.usage)
    return UsagePoint(
        ts=call.ts,
        platform=call.platform,
        endpoint=call.endpoint,
        http_status=call.http_status,
        duration_ms=call.duration_ms,
        account_id=account_label(text(usage, ACCOUNT_KEYS)),
        regain_min=number(usage, REGAIN_KEYS),
        wait_s=number(usage, WAIT_KEYS),
        tier=tier_name(text(usage, TIER_KEYS)),
        **percents(usage),
    )


class AccountUsage(BaseModel):
    account_id: str
    calls: int
    max_account_pct: float | None
    max_load_pct: float | None
    max_regain_min: float | None
    tier: str | None


@dataclass
class _AccountTally:
    calls: int = 0
    max_account_pct: float | None = None
    max_load_pct: float | None = None
    max_regain_min: float | None = None
    tier: str | None = None


def accounts_table(points: Iterable[UsagePoint]) -> list[AccountUsage]:
    """Per account: calls, highest usage and wait seen, and its access tier; busiest first."""
    tallies: dict[str, _AccountTally] = {}
    for point in points:
        if point.account_id is None:
            continue
        tally = tallies.setdefault(point.account_id, _AccountTally())
        tally.calls += 1
        tally.max_account_pct = highest(tally.max_account_pct, point.account_load_pct)
        tally.max_load_pct = highest(tally.max_load_pct, point.load_pct)
        tally.max_regain_min = highest(tally.max_regain_min, point.regain_min)
        tally.tier = point.tier or tally.tier
    rows = [AccountUsage(account_id=account, **vars(t)) for account, t in tallies.items()]
    return sorted(rows, key=lambda row: (-row.calls, row.account_id))
