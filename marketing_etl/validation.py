"""Create-job rules that need several fields, the platform, or today's date.

Per-field shape rules (ids, e-mail, sheet name, ...) live on the fields in `models.py`; this
module runs after the body has parsed and returns every remaining problem at once, each naming
the field and the fix, so the client can correct the whole request in one go.

Platform-specific checks plug in here: if the source registered for the job's task type
(`plugins.sources.get(task_type)`) has a method `validate(spec: JobSpec) -> list[FieldProblem]`
(the `SpecValidator` protocol), its problems are added. The Facebook template catalog and its
field checks use this hook, so they are enforced wherever a job is created (API or CLI).
A field that the generic rules already flagged is not reported again by the hook: the generic
message ("template_name is required") is the fix to make first.

Destinations plug in the same way: the destination registered for the job's `destination` may
have `validate(spec: JobSpec, settings: Settings) -> list[FieldProblem]` (`DestinationValidator`);
the Google Sheets writer uses it to refuse a job up front when the server has no usable
credentials, saying how to configure them.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import MINYEAR, date, timedelta
from typing import Protocol, runtime_checkable

from marketing_etl.models import (
    SPREADSHEET_ID_HINT,
    SPREADSHEET_ID_MIN_LENGTH,
    JobRequest,
    JobSpec,
    Platform,
)
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings

# Facebook keeps insights for 37 months; a longer range can never be fetched in full.
MAX_RANGE_MONTHS = 37
# Accounts ahead of UTC (e.g. UTC+7) are already on tomorrow's date when UTC is not.
MAX_DAYS_AHEAD_OF_UTC = 1
# A message lists this many offending names at most, so that it stays readable.
MAX_NAMES_SHOWN = 10

_SHEET_URL_HINT = "docs.google.com/spreadsheets/d/<id>/edit"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


@runtime_checkable
class SpecValidator(Protocol):
    """A source that checks the fields only it understands (templates, metric names...)."""

    def validate(self, spec: JobSpec) -> list[FieldProblem]: ...


@runtime_checkable
class DestinationValidator(Protocol):
    """A destination that checks the server's setup for it (e.g. Google credentials)."""

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]: ...


def validate_request(
    request: JobRequest, plugins: Plugins, today_utc: date, settings: Settings
) -> list[FieldProblem]:
    """All cross-field problems of a parsed create-job body; empty when it may be queued."""
    problems = [
        *_platform_fields(request),
        *_destination_fields(request, settings),
        *_date_range(request, today_utc),
        *_duplicate_accounts(request),
        *_duplicate_fields(request),
    ]
    flagged = {problem.field for problem in problems}
    source = plugins.sources.get(request.task_type.value)
    if isinstance(source, SpecValidator):
        problems += [p for p in source.validate(request.spec()) if p.field not in flagged]
    destination = plugins.destinations.get(request.destination)
    if isinstance(destination, DestinationValidator):
        problems += [p for p in destination.validate(request.spec(), settings) if p.field not in flagged]
    return problems


def _platform_fields(request: JobRequest) -> list[FieldProblem]:
    task = request.task_type.value
    problems: list[FieldProblem] = []
    token = request.access_token.get_secret_value().strip() if request.access_token else ""
    if not token:
        platform = "Facebook" if request.platform is Platform.FACEBOOK else "TikTok"
        problems.append(
            FieldProblem("access_token", f"access_token is required: send the {platform} access token")
        )
    if request.platform is Platform.FACEBOOK:
        if not request.accounts:
            problems.append(
                FieldProblem(
                    "accounts",
                    f"accounts is required for {task} reports: send at least one ad account, "
                    'e.g. [{"id": "act_1234567890", "name": "My account"}]',
                )
            )
        if not request.template_name:
            problems.append(
                FieldProblem(
                    "template_name",
                    f"template_name is required for {task} reports: send the report template, "
                    'e.g. "Campaign Overview Report"',
                )
            )
        return problems
    if not request.advertiser_id:
        problems.append(
            FieldProblem(
                "advertiser_id",
                f"advertiser_id is required for TikTok {task} reports: "
                "send the numeric advertiser id from TikTok Ads Manager",
            )
        )
    if not request.store_id:
        problems.append(
            FieldProblem(
                "store_id",
                f"store_id is required for TikTok {task} reports: "
                "send the numeric store id from TikTok Seller Center",
            )
        )
    return problems


def _destination_fields(request: JobRequest, settings: Settings) -> list[FieldProblem]:
    if request.destination != "sheets":
        return []
    if not request.spreadsheet_id:
        return [
            FieldProblem(
                "spreadsheet_id",
                "spreadsheet_id is required when writing to Google Sheets: "
                f"send the id from the sheet's URL ({_SHEET_URL_HINT})",
            )
        ]
    # Google's ids are longer; the sandbox's simulated spreadsheets take any name ("demo").
    if len(request.spreadsheet_id) < SPREADSHEET_ID_MIN_LENGTH and not settings.sandbox:
        return [FieldProblem("spreadsheet_id", SPREADSHEET_ID_HINT)]
    return []


def _date_range(request: JobRequest, today_utc: date) -> list[FieldProblem]:
    start, end = request.start_date, request.end_date
    problems: list[FieldProblem] = []
    latest = today_utc + timedelta(days=MAX_DAYS_AHEAD_OF_UTC)
    if end > latest:
        problems.append(
            FieldProblem(
                "end_date",
                f"end_date {end} is in the future; the latest date with data is {latest}",
            )
        )
    if start > end:
        problems.append(
            FieldProblem(
                "start_date",
                f"start_date {start} is after end_date {end}; send start_date on or before end_date",
            )
        )
        return problems
    earliest = months_before(end, MAX_RANGE_MONTHS)
    if start < earliest:
        problems.append(
            FieldProblem(
                "start_date",
                f"the range {start} to {end} is longer than {MAX_RANGE_MONTHS} months "
                f"(the longest the ad platforms keep data for); send start_date {earliest} "
                "or later, or split the report into several jobs",
            )
        )
    return problems


def _duplicate_accounts(request: JobRequest) -> list[FieldProblem]:
    counts = Counter(account.id for account in request.accounts)
    repeated = sorted(account_id for account_id, n in counts.items() if n > 1)
    if not repeated:
        return []
    return [
        FieldProblem(
            "accounts",
            f"accounts lists {', '.join(repeated)} more than once; send each account once",
        )
    ]


def _duplicate_fields(request: JobRequest) -> list[FieldProblem]:
    counts = Counter(request.selected_fields)
    repeated = [name for name, n in counts.items() if n > 1]
    if not repeated:
        return []
    shown = ", ".join(f"'{name}'" for name in repeated[:MAX_NAMES_SHOWN])
    more = f" and {len(repeated) - MAX_NAMES_SHOWN:,} more" if len(repeated) > MAX_NAMES_SHOWN else ""
    return [
        FieldProblem(
            "selected_fields",
            f"selected_fields lists {shown}{more} more than once; send each field once",
        )
    ]


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier, clamped to that month's last day
    (and to date.min: there is no year before 1)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month_index = divmod(index, 12)
    if year < MINYEAR:
        return date.min
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))
