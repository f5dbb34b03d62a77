"""What the currency transform needs from a Facebook report, in its description: where a row's
account and day are, and each ad account's currency and time zone, read once per account through
the job's Graph client."""

from __future__ import annotations

from collections.abc import Sequence

from marketing_etl.contracts.report import AccountInfo, AccountInfoLookup, ReportDescription
from marketing_etl.job_spec import Account, JobSpec
from marketing_etl.sources.facebook.client import GraphClient
from marketing_etl.sources.facebook.graph_errors import AccountForbidden
from marketing_etl.sources.facebook.plan import ReportPlan, key_headers


def describe_report(plan: ReportPlan, spec: JobSpec) -> ReportDescription:
    insight_headers = {c.key: c.header for c in plan.columns if c.source == "insight"}
    account_column = next((c.header for c in plan.columns if c.source == "account" and c.key == "id"), None)
    all_days = plan.template.time_increment is None
    return ReportDescription(
        accounts=tuple(account.id for account in spec.accounts),
        account_column=account_column,
        # date_stop first: the day itself for daily rows, the period's last day for the others.
        rate_date_columns=tuple(insight_headers.get(key, key) for key in ("date_stop", "date_start")),
        period_end=spec.end_date if all_days else None,
        # Read only when converting: the reads cost one call per account.
        account_info=AccountInfoLookup() if spec.target_currency else None,
        key_columns=key_headers(plan),
    )


def read_account_info(client: GraphClient, accounts: Sequence[Account], lookup: AccountInfoLookup) -> None:
    """GET act_<id>?fields=currency,timezone_name for each account, before any row leaves."""
    for account in accounts:
        try:
            node = client.get(account.id, {"fields": "currency,timezone_name"}, account_id=account.id)
        except AccountForbidden:
            continue  # the insights request fails or skips this account, saying why
        currency = str(node.get("currency") or "")
        lookup.record(account.id, AccountInfo(currency, str(node.get("timezone_name") or "")))
