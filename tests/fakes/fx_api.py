"""Serving the fake rates API (marketing_etl.sandbox.fakes.fx_api) on loopback for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from marketing_etl.sandbox.fakes.fx_api import MIRROR_PATH, PRIMARY_PATH, FakeFx
from tests.fakes.server import serve_app


@contextmanager
def serve_fx(fx: FakeFx) -> Iterator[tuple[str, str]]:
    with serve_app(fx.app()) as base_url:
        yield base_url + PRIMARY_PATH, base_url + MIRROR_PATH
