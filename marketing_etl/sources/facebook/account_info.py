"""What the currency transform needs from a Facebook report, in Report.meta (the keys are
documented in transforms/report_meta.py): where a row's account and day are, and each ad
account's currency and time zone, read once per account through the job's Graph client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marketing_etl.models import Account, JobSpec
from marketing_etl.sources.facebook.client import GraphClient
from marketing_etl.sources.facebook.graph_errors import AccountForbidden
from marketing_etl.sources.facebook.plan import ReportPlan
from marketing_etl.transforms.report_meta import (
    ACCOUNT_COLUMN,
    ACCOUNT_CURRENCIES,
    ACCOUNT_TIMEZONES,
    ACCOUNTS,
    PERIOD_END,
    RATE_DATE_COLUMNS,
    account_key,
)


def money_meta(plan: ReportPlan, spec: JobSpec) -> dict[str, Any]:
    insight_headers = {c.key: c.header for c in plan.columns if c.source == "insight"}
    # date_stop first: the day itself for daily rows, the period's last day for the others.
    meta: dict[str, Any] = {
        ACCOUNTS: [account.id for account in spec.accounts],
        RATE_DATE_COLUMNS: [insight_headers.get(key, key) for key in ("date_stop", "date_start")],
    }
    account_column = next((c.header for c in plan.columns if c.source == "account" and c.key == "id"), None)
    if account_column is not None:
        meta[ACCOUNT_COLUMN] = account_column
    if plan.template.time_increment is None:
        meta[PERIOD_END] = spec.end_date.isoformat()
    if spec.target_currency:
        meta[ACCOUNT_CURRENCIES] = {}
        meta[ACCOUNT_TIMEZONES] = {}
    return meta


def read_account_info(client: GraphClient, accounts: Sequence[Account], meta: dict[str, Any]) -> None:
    """GET act_<id>?fields=currency,timezone_name for each account, before any row leaves."""
    currencies: dict[str, str] = meta[ACCOUNT_CURRENCIES]
    timezones: dict[str, str] = meta[ACCOUNT_TIMEZONES]
    for account in accounts:
        try:
            node = client.get(account.id, {"fields": "currency,timezone_name"}, account_id=account.id)
        except AccountForbidden:
            continue  # the insights request fails or skips this account, saying why
        key = account_key(account.id)
        timezones[key] = str(node.get("timezone_name") or "")
        currencies[key] = str(node.get("currency") or "")
