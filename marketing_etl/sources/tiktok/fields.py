"""The field catalog of the TikTok GMV Max reports: column names, order, kinds, and cell values.

Names and order are the original system's, so sheets it filled keep lining up. Kinds are those
of `plugins.Column`:
  id        TikTok ids (64-bit, some beyond 2**53): kept as text, never as numbers
  integer   counts (orders, impressions, clicks)
  money     amounts in the ad account's currency (the `currency` column), not converted
  ratio     plain multipliers such as roi (4.59 means 4.59x)
  percent   a FRACTION: 0.3333 is 33.33 %. TikTok sends rates as percent numbers ("33.33"); the
            destination gives percent columns a percent number format, which multiplies by 100
            for display, so the value is divided by 100 here. Writing 33.33 would show 3333 %
            (the original's bug 11).
  date      YYYY-MM-DD in the ad account's time zone, exactly as TikTok reports the day
  formula   a sheet formula (the product picture as =IMAGE("url"))
TikTok's empty markers "-" and "" become empty cells (None).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from marketing_etl.contracts.plugins import CatalogField, FieldProblem, TaskCatalog
from marketing_etl.contracts.report import Column
from marketing_etl.job_spec import JobSpec

_HEAD = (
    Column("start_date", "date"),
    Column("end_date", "date"),
    Column("advertiser_id", "id"),
    Column("advertiser_name", "text"),
    Column("store_id", "id"),
    Column("store_name", "text"),
    Column("campaign_id", "id"),
    Column("campaign_name", "text"),
    Column("operation_status", "text"),
)

PRODUCT_METRICS = (
    Column("orders", "integer"),
    Column("gross_revenue", "money"),
    Column("cost", "money"),
    Column("cost_per_order", "money"),
    Column("roi", "ratio"),
)

PRODUCT_COLUMNS: tuple[Column, ...] = (
    *_HEAD,
    Column("bid_type", "text"),
    Column("item_group_id", "id"),
    Column("stat_time_day", "date"),
    Column("product_name", "text"),
    Column("product_image_url", "text"),
    Column("product_status", "text"),
    Column("product_img", "formula"),
    *PRODUCT_METRICS,
    Column("currency", "text"),
)

CREATIVE_METRICS = (
    Column("cost", "money"),
    Column("orders", "integer"),
    Column("cost_per_order", "money"),
    Column("gross_revenue", "money"),
    Column("roi", "ratio"),
    Column("product_impressions", "integer"),
    Column("product_clicks", "integer"),
    Column("product_click_rate", "percent"),
    Column("ad_conversion_rate", "percent"),
    Column("creative_delivery_status", "text"),
    Column("ad_video_view_rate_2s", "percent"),
    Column("ad_video_view_rate_6s", "percent"),
    Column("ad_video_view_rate_p25", "percent"),
    Column("ad_video_view_rate_p50", "percent"),
    Column("ad_video_view_rate_p75", "percent"),
    Column("ad_video_view_rate_p100", "percent"),
)

# Creative attributes the report returns only when it is filtered to one campaign and one product.
CREATIVE_ATTRIBUTES = ("title", "tt_account_name", "tt_account_profile_image_url")

CREATIVE_COLUMNS: tuple[Column, ...] = (
    *_HEAD,
    Column("item_group_id", "id"),
    Column("product_name", "text"),
    Column("product_status", "text"),
    Column("product_image_url", "text"),
    Column("item_id", "id"),
    Column("video_url", "text"),
    Column("title", "text"),
    Column("tt_account_name", "text"),
    Column("tt_account_profile_image_url", "text"),
    Column("product_img", "formula"),
    *CREATIVE_METRICS,
    Column("currency", "text"),
)

CATALOG = {"product": PRODUCT_COLUMNS, "creative": CREATIVE_COLUMNS}
# What identifies a product report row, its day first: a refreshed row replaces the tab's row
# with the same values. Creative rows add up the whole range, so they cannot be refreshed.
PRODUCT_KEY_COLUMNS = ("stat_time_day", "campaign_id", "item_group_id")
PRODUCT_FIELDS = frozenset({"product_name", "product_image_url", "product_status", "product_img"})
_EMPTY = frozenset({"", "-"})


def columns_for(task: str, selected: list[str]) -> list[Column]:
    """The report's columns: the selected ones in the user's order, or all in the original order."""
    catalog = CATALOG[task]
    if not selected:
        return list(catalog)
    by_name = {column.name: column for column in catalog}
    return [by_name[name] for name in selected]


def catalog_of(task: str) -> TaskCatalog:
    return TaskCatalog(task, fields=tuple(CatalogField(c.name, c.kind) for c in CATALOG[task]))


def job_problems(task: str, spec: JobSpec) -> list[FieldProblem]:
    problems = required_ids(task, spec) + selection_problems(task, spec.selected_fields)
    return problems + refresh_problems(task, spec) if spec.refresh_days else problems


def key_columns(task: str, selected: list[str]) -> tuple[str, ...]:
    """The report's columns a refreshed row is matched on; () if it has not all of them."""
    if task != "product" or (selected and not set(PRODUCT_KEY_COLUMNS) <= set(selected)):
        return ()
    return PRODUCT_KEY_COLUMNS


def refresh_problems(task: str, spec: JobSpec) -> list[FieldProblem]:
    if task != "product":
        return [
            FieldProblem(
                "refresh_days",
                f"TikTok {task} reports add up the whole date range, so earlier days cannot be "
                "refreshed; use the product report (one row per day) or send refresh_days 0",
            )
        ]
    missing = [name for name in PRODUCT_KEY_COLUMNS if name not in spec.selected_fields]
    if not spec.selected_fields or not missing:
        return []
    return [
        FieldProblem(
            "selected_fields",
            f"refresh_days matches rows on {', '.join(PRODUCT_KEY_COLUMNS)}; add "
            f"{', '.join(missing)} to selected_fields, or send refresh_days 0",
        )
    ]


def required_ids(task: str, spec: JobSpec) -> list[FieldProblem]:
    """The advertiser and the store a GMV Max report is asked for."""
    problems: list[FieldProblem] = []
    if not spec.advertiser_id:
        problems.append(
            FieldProblem(
                "advertiser_id",
                f"advertiser_id is required for TikTok {task} reports: "
                "send the numeric advertiser id from TikTok Ads Manager",
            )
        )
    if not spec.store_id:
        problems.append(
            FieldProblem(
                "store_id",
                f"store_id is required for TikTok {task} reports: "
                "send the numeric store id from TikTok Seller Center",
            )
        )
    return problems


def selection_problems(task: str, selected: list[str]) -> list[FieldProblem]:
    catalog = [column.name for column in CATALOG[task]]
    unknown = [name for name in selected if name not in catalog]
    repeated = sorted(name for name, n in Counter(selected).items() if n > 1)
    problems: list[FieldProblem] = []
    if unknown:
        problems.append(
            FieldProblem(
                "selected_fields",
                f"TikTok {task} reports have no field(s) {', '.join(unknown)}; "
                f"choose from {', '.join(catalog)}, or send [] for all of them",
            )
        )
    if repeated:
        problems.append(
            FieldProblem("selected_fields", f"selected_fields lists {', '.join(repeated)} more than once")
        )
    return problems


def to_cell(kind: str, raw: object) -> Any:
    """One API value as a typed cell. Unparseable numbers are kept as text rather than lost."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text in _EMPTY:
        return None
    if kind not in ("integer", "money", "ratio", "percent"):
        return text
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    if kind == "integer":
        return int(number)
    if kind == "percent":
        return float(number / 100)
    return float(number)


def image_formula(url: str | None) -> str | None:
    if not url:
        return None
    return '=IMAGE("' + url.replace('"', '""') + '")'
