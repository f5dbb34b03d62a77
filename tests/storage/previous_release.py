"""The previous release's database, kept as SQL (fixtures/release_8b0dde4.*.sql): what it holds
and how to load it into a test database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from marketing_etl.models import JobStatus

FIXTURES = Path(__file__).with_name("fixtures")
SECRET_KEY = "fixture-secret-key"  # what the fixture's tokens are encrypted with
FIXTURE_T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FIXTURE_JOBS = {"done-1": JobStatus.SUCCESS, "failed-1": JobStatus.FAILED, "queued-1": JobStatus.QUEUED}
FIXTURE_LOGS = {
    "done-1": ["Queued", "Fetched 420 rows", "Wrote 420 rows"],
    "failed-1": ["Queued", "TikTok said no"],
    "queued-1": ["Queued"],
}
FIXTURE_TOKENS = {
    "done-1": "EAAB-token-done-1",
    "failed-1": "tt-token-failed-1",
    "queued-1": "EAAB-token-queued-1",
}


def load_previous_release(url: str) -> None:
    if url.startswith("sqlite:///"):
        script = (FIXTURES / "release_8b0dde4.sqlite.sql").read_text()
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.executescript(script)
    else:
        script = (FIXTURES / "release_8b0dde4.postgresql.sql").read_text()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(script.encode())  # no parameters: sent as one multi-statement query
