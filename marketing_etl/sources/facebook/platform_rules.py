"""Meta's 2025-2026 data-availability rules, as data and pure checks (no calls).

- Retention beyond 37 months (from 2026-01-12): `unique_*` fields and the hourly breakdowns are
  kept 13 months; a job asking for older data is refused with the earliest allowed start.
- Reach with breakdowns (since 2025-06-10): `reach`, `frequency` and `cpp` are left out of sync
  queries with breakdowns that start more than 13 months ago; async runs still get them, at most
  10 per ad account per day (the fetch side is `allowances.py`).
- Opt-in breakdowns (from 2026-08-03): the audience-time-zone hourly breakdown needs an Ads
  Manager opt-in for accounts without Meta sales support; async runs are limited.
- Off-Meta conversions: with `region`, `dma` or an hourly breakdown, website purchases, leads and
  other off-Meta conversions are absent, so those columns count on-Facebook actions only.
The 13-month figures are secondary-source numbers: kept in one place so they are easy to change.
"""

from __future__ import annotations

from datetime import date

from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.sources.facebook.catalog import HOURLY, Template
from marketing_etl.sources.facebook.metrics import FRIENDLY_METRICS
from marketing_etl.validation import months_before

SHORT_RETENTION_MONTHS = 13
SHORT_RETENTION_SINCE = date(2026, 1, 12)
REACH_WITH_BREAKDOWNS_MONTHS = 13
REACH_FIELDS = frozenset({"reach", "frequency", "cpp"})
HOURLY_BREAKDOWNS = frozenset({HOURLY, "hourly_stats_aggregated_by_advertiser_time_zone"})
OFF_META_BREAKDOWNS = frozenset({"region", "dma", *HOURLY_BREAKDOWNS})
HOURLY_OPT_IN_SINCE = date(2026, 8, 3)
# Action types Facebook counts off Meta (pixel, app, offline) or across both (omni_*): absent
# with the breakdowns above, so their columns hold on-Facebook actions only.
OFF_META_ACTIONS = frozenset(
    {
        "omni_purchase",
        "offsite_conversion.fb_pixel_purchase",
        "lead",
        "omni_add_to_cart",
        "omni_initiated_checkout",
        "complete_registration",
    }
)


def short_retention_start(today: date) -> date:
    """The earliest start date for `unique_*` fields and hourly breakdowns."""
    return months_before(today, SHORT_RETENTION_MONTHS)


def short_retention_reason(template: Template, insight_fields: tuple[str, ...]) -> str | None:
    """Why the request falls under the 13-month retention, or None."""
    if HOURLY_BREAKDOWNS & set(template.breakdowns):
        return f"the '{template.name}' template's hourly breakdown"
    unique = [f for f in insight_fields if f.startswith(("unique_", "cost_per_unique_"))]
    if unique:
        return f"unique-count fields ({', '.join(_friendly(f) for f in unique)})"
    return None


def retention_problem(
    template: Template, insight_fields: tuple[str, ...], start: date, today: date
) -> FieldProblem | None:
    reason = short_retention_reason(template, insight_fields)
    earliest = short_retention_start(today)
    if reason is None or start >= earliest:
        return None
    return FieldProblem(
        "start_date",
        f"start_date {start} is too early for {reason}: since {SHORT_RETENTION_SINCE} Facebook keeps "
        f"them for {SHORT_RETENTION_MONTHS} months only. The earliest allowed start_date is {earliest}"
        + ("" if HOURLY_BREAKDOWNS & set(template.breakdowns) else "; or leave those fields out")
        + ".",
    )


def reach_needs_async(template: Template, insight_fields: tuple[str, ...], since: date, today: date) -> bool:
    """True when a sync query would come back without reach, frequency and cpp."""
    return (
        bool(template.breakdowns)
        and bool(REACH_FIELDS & set(insight_fields))
        and since < months_before(today, REACH_WITH_BREAKDOWNS_MONTHS)
    )


def off_meta_columns(template: Template, headers: list[str]) -> list[str]:
    """The selected columns that count on-Facebook actions only with this template's breakdown."""
    if not OFF_META_BREAKDOWNS & set(template.breakdowns):
        return []
    found = []
    for header in headers:
        metric = FRIENDLY_METRICS.get(header)
        if metric is not None and metric.action_type in OFF_META_ACTIONS:
            found.append(header)
    return found


def off_meta_note(template: Template, columns: list[str]) -> str:
    return (
        f"With the '{template.name}' template's {_breakdown_label(template)} breakdown Facebook "
        f"reports no website or other off-Facebook conversions: {', '.join(columns)} count only "
        "actions on Facebook and Instagram"
    )


def template_description(template: Template) -> str:
    """What GET /reports/templates says about a template's platform limits ('' when none)."""
    notes = []
    columns = off_meta_columns(template, list(template.fields))
    if columns:
        notes.append(off_meta_note(template, columns) + ".")
    if HOURLY_BREAKDOWNS & set(template.breakdowns):
        notes.append(
            f"Hourly data is kept {SHORT_RETENTION_MONTHS} months. Since {HOURLY_OPT_IN_SINCE} an ad "
            "account without Meta sales support must opt in to hourly breakdowns in Ads Manager, and "
            "Facebook allows it min(10, number of ads) hourly report runs per 24 hours."
        )
    return " ".join(notes)


def _breakdown_label(template: Template) -> str:
    return "hourly" if HOURLY_BREAKDOWNS & set(template.breakdowns) else "region"


def _friendly(field: str) -> str:
    names = [name for name, metric in FRIENDLY_METRICS.items() if metric.source == field]
    return f"'{names[0]}'" if names else field
