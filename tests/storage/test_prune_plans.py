"""Each pruning batch (sql_prune.py) finds its rows through indexes, on SQLite (EXPLAIN QUERY
PLAN) and PostgreSQL (EXPLAIN), in a freshly loaded store without statistics: expired records
oldest first through their ts index, whether their job is active through an index of jobs, and
the rows to delete by their primary key. Without the order PostgreSQL scanned api_calls from its start, past
every live call, to find the expired ones: 1.5 s a batch at 3,000,000 calls.

The statements checked are the ones the store really sends, captured as it runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from marketing_etl.models import JobStatus
from marketing_etl.storage.common import job_record
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_schema import api_calls, create_engine, job_logs, jobs
from tests.services import postgres_schema
from tests.storage.factory import T0, make_job

JOBS = 200
# Rows of each kind after doubling: enough for PostgreSQL to weigh its indexes against a scan.
DOUBLINGS = 10
CUTOFF = T0 - timedelta(days=10)


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SqlStore, Engine]]:
    if request.param == "sqlite":
        yield from _seeded(f"sqlite:///{tmp_path_factory.mktemp('prune') / 'jobs.db'}")
    else:
        with postgres_schema() as url:
            yield from _seeded(url)


def _seeded(url: str) -> Iterator[tuple[SqlStore, Engine]]:
    """200 finished jobs of the last 20 days, 204,800 calls and log lines (a quarter expired),
    and no ANALYZE, as after a bulk load."""
    store = SqlStore(url)
    engine = create_engine(url)
    try:
        store.init()
        made = [
            make_job(f"j{n:03d}", created_at=T0 - timedelta(days=n % 20), status=JobStatus.SUCCESS)
            for n in range(JOBS)
        ]
        with engine.begin() as conn:
            conn.execute(sa.insert(jobs), [{**job_record(job), "log_seq": 1} for job in made])
            conn.execute(sa.insert(api_calls), [_call(job.job_id, job.created_at) for job in made])
            conn.execute(sa.insert(job_logs), [_line(job.job_id, job.created_at) for job in made])
            for doubling in range(DOUBLINGS):
                _double(conn, 2**doubling)
        yield store, engine
    finally:
        store.close()
        engine.dispose()


def _call(job_id: str, ts: datetime) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "ts": ts,
        "platform": "facebook",
        "endpoint": "/x",
        "duration_ms": 1,
        "usage": {},
    }


def _line(job_id: str, ts: datetime) -> dict[str, Any]:
    return {"job_id": job_id, "seq": 1, "ts": ts, "level": "INFO", "attempt": 1, "message": "m"}


def _double(conn: Connection, seqs: int) -> None:
    """Every call and log line once more (log lines numbered after the `seqs` there are)."""
    copied = ["job_id", "ts", "platform", "endpoint", "duration_ms", "usage"]
    conn.execute(sa.insert(api_calls).from_select(copied, sa.select(*(api_calls.c[c] for c in copied))))
    c = job_logs.c
    lines = sa.select(c.job_id, c.seq + seqs, c.ts, c.level, c.attempt, c.message)
    conn.execute(
        sa.insert(job_logs).from_select(["job_id", "seq", "ts", "level", "attempt", "message"], lines)
    )


def delete_plans(seeded: tuple[SqlStore, Engine], call: Callable[[SqlStore], object]) -> list[str]:
    """The plan of each DELETE `call` sends, as one line of text per statement."""
    store, engine = seeded
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            sent.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", capture)
    try:
        call(store)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", capture)
    assert sent, "no DELETE was sent"
    lines = []
    with engine.connect() as conn:
        for statement, parameters in sent:
            if engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                lines.append(" | ".join(row[3] for row in rows))
            else:
                rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                lines.append(" | ".join(row[0].strip() for row in rows))
    return lines


@pytest.mark.parametrize(
    ("call", "table", "ts_index"),
    [
        (lambda s: s.pruning.delete_api_calls_before(CUTOFF, 1_000), "api_calls", "ix_api_calls_ts"),
        (lambda s: s.pruning.delete_logs_before(CUTOFF, 50), "job_logs", "ix_job_logs_ts"),
    ],
)
def test_expired_records_are_found_oldest_first_through_their_ts_index(
    seeded: tuple[SqlStore, Engine], call: Callable[[SqlStore], object], table: str, ts_index: str
) -> None:
    [plan] = delete_plans(seeded, call)
    if seeded[1].dialect.name == "sqlite":
        assert f"SEARCH {table} USING INDEX {ts_index} (ts<?)" in plan, plan
        assert "SEARCH jobs USING INDEX sqlite_autoindex_jobs_1 (job_id=?)" in plan, plan
        assert f"SCAN {table} |" not in f"{plan} |" and "TEMP B-TREE" not in plan, plan
    else:
        assert f"Index Scan using {ts_index} on {table}" in plan, plan
        # The active jobs (are there any?) by their primary key or by status, through an index.
        assert f"{table}_pkey" in plan and " on jobs " in plan, plan
        assert "Seq Scan" not in plan and "Sort" not in plan, plan


def test_an_expired_jobs_records_are_found_through_its_job_id(seeded: tuple[SqlStore, Engine]) -> None:
    store, engine = seeded
    [plan] = delete_plans(seeded, lambda s: s.pruning.delete_api_calls_of(["j011"], 2_000))
    if engine.dialect.name == "sqlite":
        assert "INDEX ix_api_calls_job_ts (job_id=?)" in plan, plan
    else:
        assert "ix_api_calls_job_ts" in plan and "Seq Scan" not in plan, plan
    assert store.get_api_calls("j011") == []


def test_the_seed_is_what_the_plans_assume(seeded: tuple[SqlStore, Engine]) -> None:
    _, engine = seeded
    with engine.connect() as conn:
        calls = conn.execute(sa.select(sa.func.count()).select_from(api_calls)).scalar_one()
        lines = conn.execute(sa.select(sa.func.count()).select_from(job_logs)).scalar_one()
    # Each test above deleted at most one batch (of a job's calls: 1,024).
    full = JOBS * 2**DOUBLINGS
    assert full - 2 * 1_024 <= calls < full and full - 50 <= lines < full
