"""One way to open a Sheets session for a job: the service account, the shared call budget, an
httpx client and the Sheets retry policy, for the writer and for readers of the target
spreadsheet (the currency config tab) alike."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from marketing_etl.context import JobContext
from marketing_etl.destinations.sheets.auth import load_service_account
from marketing_etl.destinations.sheets.client import SheetsClient
from marketing_etl.destinations.sheets.retry import RetryPolicy
from marketing_etl.ratelimit import open_budget


@dataclass(frozen=True)
class SheetsSession:
    client: SheetsClient
    policy: RetryPolicy


@contextmanager
def open_sheets_session(
    ctx: JobContext,
    spreadsheet_id: str,
    *,
    backoff_base_s: float = 1.0,
    rng: random.Random | None = None,
) -> Iterator[SheetsSession]:
    """Raises CredentialsProblem when the service-account key is missing or unusable."""
    settings = ctx.settings
    account = load_service_account(settings.google_credentials_path)
    policy = RetryPolicy(
        max_wait_s=float(settings.sheets_max_wait_s), base_s=backoff_base_s, rng=rng or random.Random()
    )
    with httpx.Client() as http:
        client = SheetsClient(
            ctx, account, http,
            budget=open_budget(settings.broker_url, namespace="sheets"),
            spreadsheet_id=spreadsheet_id,
        )
        yield SheetsSession(client, policy)
