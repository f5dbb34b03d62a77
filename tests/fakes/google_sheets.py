"""Serving the fake Sheets API (marketing_etl.sandbox.fakes.google_sheets) on loopback for tests,
and in its own process for the benchmark (`python -m tests.fakes.google_sheets`)."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from tests.fakes.server import serve_app


@contextmanager
def serve_google(google: FakeGoogle) -> Iterator[str]:
    with serve_app(google.app()) as base_url:
        google.base_url = base_url
        yield base_url


def main() -> None:
    """Serve a fake in its own process (the benchmark measures the writer's memory alone):
    writes the key file, prints the base URL, serves until killed."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--key-dir", type=Path, required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--spreadsheet-id", required=True)
    parser.add_argument("--latency-s", type=float, default=0.0)
    parser.add_argument("--quota-per-minute", type=int, default=60)
    args = parser.parse_args()
    google = FakeGoogle(quota_per_minute=args.quota_per_minute, latency_s=args.latency_s)
    with serve_google(google) as base_url:
        google.key_file(args.key_dir, args.email)
        google.add_spreadsheet(args.spreadsheet_id, editors=[args.email])
        print(base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
