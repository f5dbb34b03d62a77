"""A large pass on SQLite leaves room for a running job's writes: each batch is one short
transaction, and writers of the process take turns with it in arrival order."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from marketing_etl.contracts.pruning import PruneKind
from marketing_etl.maintenance import SQLITE_BATCH_ROWS, prune_once
from marketing_etl.models import utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.wiring import build_services
from tests.executors.support import make_settings
from tests.maintenance.support import ProgressWriter, seed_expired_calls

EXPIRED_CALLS = 200_000
LONGEST_WRITE_WAIT_S = 0.2


def test_progress_writes_wait_under_200_ms_while_200k_expired_calls_go(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), Plugins())
    now = utcnow()
    try:
        store = services.store
        url = services.settings.resolved_database_url
        old, older = now - timedelta(days=100), now - timedelta(days=200)
        seed_expired_calls(store, url, EXPIRED_CALLS, ts=older, created_at=old)
        with ProgressWriter(store, "live") as writer:
            report = prune_once(services, now)
        assert report.deleted.rows == {
            PruneKind.API_CALLS: EXPIRED_CALLS, PruneKind.LOGS: 0, PruneKind.JOBS: 0
        }
        # Full batches, then an empty one for calls and one for log lines; no job is expired.
        assert report.batches == EXPIRED_CALLS // SQLITE_BATCH_ROWS + 2
        assert len(writer.waits_s) > 50, "the writer should have written all along the pass"
        assert max(writer.waits_s) < LONGEST_WRITE_WAIT_S, sorted(writer.waits_s)[-5:]
        assert store.get_job("old-0") is not None and store.get_api_calls("old-0") == []
    finally:
        services.close()
