"""Create-job rules common to every job: a known task type, a token, the destination, the
dates, nothing listed twice. Then the job's source and destination check what only they
understand (their `validate` hook, see contracts/plugins.py): Facebook's accounts and templates,
TikTok's advertiser and store, the Sheets writer's credentials.

Per-field shape rules (ids, e-mail, sheet name, ...) live on the fields in `job_spec.py`; this
module runs after the body has parsed and returns every remaining problem at once, each naming
the field and the fix, so the client can correct the whole request in one go. A field that the
common rules already flagged is not reported again by a plugin: the common message is the fix
to make first.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import MINYEAR, date, timedelta
from typing import TypeVar

from marketing_etl.contracts.plugins import FieldProblem, Source
from marketing_etl.job_spec import SPREADSHEET_ID_HINT, SPREADSHEET_ID_MIN_LENGTH, JobRequest, JobSpec
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings

# Facebook keeps insights for 37 months; a longer range can never be fetched in full.
MAX_RANGE_MONTHS = 37
# Accounts ahead of UTC (e.g. UTC+7) are already on tomorrow's date when UTC is not.
MAX_DAYS_AHEAD_OF_UTC = 1
# A message lists this many offending names at most, so that it stays readable.
MAX_NAMES_SHOWN = 10

_SHEET_URL_HINT = "docs.google.com/spreadsheets/d/<id>/edit"

SpecT = TypeVar("SpecT", bound=JobSpec)


def validate_request(
    request: JobRequest, plugins: Plugins, today_utc: date, settings: Settings
) -> list[FieldProblem]:
    """All cross-field problems of a parsed create-job body; empty when it may be queued."""
    request = canonical(request, plugins)
    source = plugins.sources.get(request.task_type)
    problems = [
        *_task_type(request, source, plugins),
        *_access_token(request, source),
        *_destination_fields(request, settings),
        *_date_range(request, today_utc),
        *_duplicate_accounts(request),
        *_duplicate_fields(request),
        *_refresh_days(request),
    ]
    flagged = {problem.field for problem in problems}
    spec = request.spec()
    if source is not None:
        problems += [p for p in source.validate(spec, settings) if p.field not in flagged]
    destination = plugins.destinations.get(request.destination)
    if destination is not None:
        problems += [p for p in destination.validate(spec, settings) if p.field not in flagged]
    return problems


def canonical(request: SpecT, plugins: Plugins) -> SpecT:
    """The request under its task type's own name when it was sent under an alias
    ("tiktok_product" is stored as "product"); unchanged otherwise."""
    task_type = plugins.sources.resolve(request.task_type)
    if task_type is None or task_type == request.task_type:
        return request
    return request.model_copy(update={"task_type": task_type})


def _task_type(request: JobRequest, source: Source | None, plugins: Plugins) -> list[FieldProblem]:
    if source is not None:
        return []
    known = ", ".join(plugins.sources.names())
    return [FieldProblem("task_type", f"unknown task_type '{request.task_type}'; use one of {known}")]


def _access_token(request: JobRequest, source: Source | None) -> list[FieldProblem]:
    token = request.access_token.get_secret_value().strip() if request.access_token else ""
    if token and request.connection_id:
        both = "send either access_token or connection_id, not both"
        return [FieldProblem("access_token", both), FieldProblem("connection_id", both)]
    if token or request.connection_id or source is None:
        return []
    return [
        FieldProblem(
            name,
            f"access_token or connection_id is required: send the {source.display_name} access token, "
            "or the id of a saved connection",
        )
        for name in ("access_token", "connection_id")
    ]


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


def _refresh_days(request: JobRequest) -> list[FieldProblem]:
    """Refreshing replaces a tab's earlier rows in place: only appending to Sheets has them."""
    if request.refresh_days == 0:
        return []
    if request.destination != "sheets":
        fix = f"a {request.destination} file holds one job's rows only, so there is nothing to refresh"
    elif request.is_overwrite:
        fix = "is_overwrite true already rewrites the whole tab with the job's own days"
    else:
        return []
    return [
        FieldProblem(
            "refresh_days",
            f"refresh_days works when appending to Google Sheets only: {fix}; send refresh_days 0, "
            "or widen start_date to cover the days to refresh",
        )
    ]


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
