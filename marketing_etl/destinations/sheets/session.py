"""One way to open a Sheets session for a job: the service account, the shared call budget, a
client from the shared factory and the Sheets retrier, for the writer and for readers of the
target spreadsheet (the currency config tab) alike."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from marketing_etl.context import JobContext
from marketing_etl.destinations.sheets.auth import load_service_account
from marketing_etl.destinations.sheets.client import PLATFORM, TIMEOUT, SheetsClient
from marketing_etl.destinations.sheets.retry import sheets_retrier
from marketing_etl.http import Retrier, open_client
from marketing_etl.ratelimit import open_budget


@dataclass(frozen=True)
class SheetsSession:
    client: SheetsClient
    retry: Retrier


@contextmanager
def open_sheets_session(
    ctx: JobContext,
    spreadsheet_id: str,
    *,
    backoff_base_s: float = 1.0,
    rng: random.Random | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[SheetsSession]:
    """Raises CredentialsProblem when the service-account key is missing or unusable."""
    settings = ctx.settings
    account = load_service_account(settings.google_credentials_path)
    retry = sheets_retrier(
        ctx, max_wait_s=float(settings.sheets_max_wait_s), backoff_base_s=backoff_base_s, rng=rng
    )
    # No base URL: the same client also asks the key's own token_uri for access tokens.
    with open_client(ctx, PLATFORM, timeout=TIMEOUT, transport=transport) as api:
        client = SheetsClient(
            ctx, account, api,
            budget=open_budget(settings.broker_url, namespace="sheets"),
            spreadsheet_id=spreadsheet_id,
        )
        yield SheetsSession(client, retry)
