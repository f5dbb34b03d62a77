"""From a template and the user's selected fields to columns and the one insights request they need.

Every column reads from one place: the insights row (a field, a breakdown value or a friendly
metric), the job's accounts list, or the object metadata fetched after the insights (names and
ids come with the insights, so metadata is fetched only for statuses, budgets, creatives...).
"""

from __future__ import annotations

from dataclasses import dataclass

from marketing_etl.sources.facebook.catalog import HOURLY, Template, normalise
from marketing_etl.sources.facebook.metadata import META_FIELDS, MONEY_META
from marketing_etl.sources.facebook.metrics import FRIENDLY_METRICS, Metric

# Plain fields Facebook returns on every insights row (the level's ids and names, the metrics).
INSIGHT_FIELDS = frozenset(
    {
        "spend",
        "impressions",
        "reach",
        "clicks",
        "cpc",
        "cpm",
        "ctr",
        "frequency",
        "inline_link_clicks",
        "inline_link_click_ctr",
        "objective",
        "buying_type",
        "account_currency",
        "attribution_setting",
        "campaign_id",
        "campaign_name",
        "adset_id",
        "adset_name",
        "ad_name",
        "date_start",
        "date_stop",
    }
)
BREAKDOWN_COLUMNS = {
    "age": "age",
    "gender": "gender",
    "country": "country",
    "region": "region",
    "publisher_platform": "publisher_platform",
    "platform_position": "platform_position",
    "hour_of_day": HOURLY,
}


@dataclass(frozen=True)
class ColumnSpec:
    header: str  # as the user spelled it
    kind: str
    source: str  # "insight", "metric", "account" or "meta"
    key: str  # insights key, account attribute ("id"/"name") or metadata key
    metric: Metric | None = None


@dataclass(frozen=True)
class ReportPlan:
    template: Template
    columns: tuple[ColumnSpec, ...]
    insight_fields: tuple[str, ...]  # what the insights request asks for
    meta_keys: frozenset[str]  # metadata the columns need; empty: no object reads at all

    @property
    def object_key(self) -> str:
        """The insights key that identifies a row's object (its level's id)."""
        return f"{self.template.level}_id"

    @property
    def breakdown_keys(self) -> tuple[str, ...]:
        return self.template.breakdowns


def unknown_fields(template: Template, selected: list[str]) -> list[str]:
    known = {normalise(f) for f in template.fields}
    return [f for f in selected if normalise(f) not in known]


def canonical_field(template: Template, header: str) -> str:
    """The catalog's name of a field the user spelled `header` (any case and spacing)."""
    return {normalise(f): f for f in template.fields}[normalise(header)]


def plan_report(template: Template, selected: list[str]) -> ReportPlan:
    """The caller has checked `selected` against the template (see `unknown_fields`)."""
    canonical = {normalise(f): f for f in template.fields}
    headers = selected or list(template.defaults)
    columns = tuple(_column(template, header, canonical[normalise(header)]) for header in headers)
    meta_keys = frozenset(c.key for c in columns if c.source == "meta")
    return ReportPlan(template, columns, _insight_fields(template, columns, meta_keys), meta_keys)


def _column(template: Template, header: str, field: str) -> ColumnSpec:
    kind = template.kind_of(field)
    metric = FRIENDLY_METRICS.get(field)
    if metric is not None:
        return ColumnSpec(header, kind, "metric", metric.source, metric)
    if field in ("account_id", "account_name"):
        return ColumnSpec(header, kind, "account", field.removeprefix("account_"))
    if field in ("id", "name"):
        return ColumnSpec(header, kind, "insight", f"{template.level}_{field}")
    if field in BREAKDOWN_COLUMNS:
        return ColumnSpec(header, kind, "insight", BREAKDOWN_COLUMNS[field])
    if field in INSIGHT_FIELDS:
        return ColumnSpec(header, kind, "insight", field)
    if field in META_FIELDS:
        return ColumnSpec(header, kind, "meta", field)
    raise KeyError(f"the catalog field {field!r} has no source")  # a catalog/plan mismatch: our bug


def _insight_fields(
    template: Template, columns: tuple[ColumnSpec, ...], meta_keys: frozenset[str]
) -> tuple[str, ...]:
    wanted = [f"{template.level}_id", "date_start", "date_stop"]
    for column in columns:
        if column.source in ("insight", "metric") and column.key not in template.breakdowns:
            wanted.append(column.key)
    if meta_keys & MONEY_META:
        # Budgets come in the currency's minor unit; the account currency says how to scale them.
        wanted.append("account_currency")
    return tuple(dict.fromkeys(wanted))


def key_fields(template: Template) -> tuple[str, ...]:
    """The fields that identify a row of a daily template: its day, its object's id and its
    breakdown values (what a refreshed row is matched on); () when rows add up the whole range."""
    if template.time_increment != 1:
        return ()
    object_field = "id" if "id" in template.fields else f"{template.level}_id"
    by_breakdown = {key: name for name, key in BREAKDOWN_COLUMNS.items()}
    return ("date_start", object_field, *(by_breakdown[b] for b in template.breakdowns))


def key_headers(plan: ReportPlan) -> tuple[str, ...]:
    """The report's headers of `key_fields`, the day first; () unless every one was selected."""
    by_field = {canonical_field(plan.template, c.header): c.header for c in plan.columns}
    fields = key_fields(plan.template)
    if not all(field in by_field for field in fields):
        return ()
    return tuple(by_field[field] for field in fields)
