"""The dashboard's rollup queries read a range of the rollups' primary key, not the whole table.

Shown with the databases' own plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL) for
the statements the store runs, over two years of hourly rows, so PostgreSQL's planner has a
real choice to make.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from marketing_etl.contracts.rollups import DAY_S, HOUR_S
from marketing_etl.models import ApiCall
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_rollups import timeline_query, totals_query
from tests.services import postgres_schema

END = datetime(2026, 3, 1, tzinfo=UTC)
HOURS = 2 * 365 * 24
ENDPOINTS = ("/v25.0/act_1/insights", "/gmv_max/report/get/")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        yield from _seeded(f"sqlite:///{tmp_path_factory.mktemp('plans') / 'plans.db'}")
    else:
        with postgres_schema() as url:
            yield from _seeded(url)


def _seeded(url: str) -> Iterator[SqlStore]:
    store = SqlStore(url)
    store.init()
    calls = [
        ApiCall(
            job_id="j",
            ts=END - timedelta(hours=hour),
            platform="facebook" if endpoint.startswith("/v") else "tiktok",
            endpoint=endpoint,
            duration_ms=1,
        )
        for hour in range(HOURS)
        for endpoint in ENDPOINTS
    ]
    for start in range(0, len(calls), 2_000):
        store.record_api_calls(calls[start : start + 2_000])
    with engine(store).begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    try:
        yield store
    finally:
        store.close()


def engine(store: SqlStore) -> sa.Engine:
    private: Any = store
    result: sa.Engine = private._engine
    return result


def plan(store: SqlStore, stmt: sa.Select[Any]) -> str:
    eng = engine(store)
    sql = str(stmt.compile(dialect=eng.dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if eng.dialect.name == "sqlite" else "EXPLAIN "
    with eng.connect() as conn:
        rows = conn.exec_driver_sql(prefix + sql).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_the_timeline_reads_a_range_of_the_primary_key(seeded: SqlStore) -> None:
    dialect = engine(seeded).dialect.name
    day = plan(seeded, timeline_query(dialect, HOUR_S, END - timedelta(hours=24), 24, None))
    week = plan(seeded, timeline_query(dialect, HOUR_S, END - timedelta(days=7), 7 * 24, "facebook"))
    year = plan(seeded, timeline_query(dialect, DAY_S, END - timedelta(days=365), 366, None))
    for text in (day, week, year):
        if dialect == "sqlite":
            assert (
                "SEARCH api_call_rollups USING PRIMARY KEY (bucket_s=? AND bucket_start>? AND bucket_start<?)"
                in text
            )
            assert "TEMP B-TREE" not in text  # rows come in the key's order: no sort
        else:  # an index scan, or a bitmap one for a year's rows; then one row per series
            assert "Index Scan" in text and "api_call_rollups_pkey" in text, text
            assert "Seq Scan" not in text, text


def test_the_totals_read_a_range_of_the_primary_key(seeded: SqlStore) -> None:
    month = plan(seeded, totals_query(DAY_S, END - timedelta(days=30), "tiktok", by_endpoint=True))
    day = plan(seeded, totals_query(HOUR_S, END - timedelta(hours=24), None, by_endpoint=False))
    for text in (month, day):
        if engine(seeded).dialect.name == "sqlite":
            assert "SEARCH api_call_rollups USING PRIMARY KEY (bucket_s=? AND bucket_start>?)" in text
        else:
            assert "api_call_rollups_pkey" in text and "Seq Scan" not in text, text


def test_all_time_totals_read_one_row_per_endpoint(seeded: SqlStore) -> None:
    text = plan(seeded, totals_query(DAY_S, None, None, by_endpoint=False))  # /metrics
    if engine(seeded).dialect.name == "sqlite":
        assert "SEARCH api_call_rollups USING PRIMARY KEY (bucket_s=?)" in text
    else:
        assert "api_call_rollups_pkey" in text and "Seq Scan" not in text, text


def test_the_seeded_rows_are_there(seeded: SqlStore) -> None:
    # The plans above are over a table of this size, not an empty one.
    rows = seeded.rollups.by_platform(HOUR_S, None)
    assert (rows["facebook"].calls, rows["tiktok"].calls) == (HOURS, HOURS)
    day = seeded.rollups.timeline(HOUR_S, END - timedelta(hours=24), 24)
    assert day == {("facebook", "/v25.0/act_{id}/insights"): [1] * 24, ("tiktok", ENDPOINTS[1]): [1] * 24}
