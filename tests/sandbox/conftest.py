"""One sandbox server for the whole package: jobs use their own spreadsheets or job ids."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.support import SandboxServer, serve_sandbox


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with serve_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running
