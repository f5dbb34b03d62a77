"""API-call rollups (contracts/rollups.py) on SQLite and PostgreSQL.

`add` runs inside record_api_calls' transaction, so the raw rows and their counters commit
together: one upsert per batch that adds to each touched row (the batch is summed in Python
first, so each row is touched once, in key order). The rows of the current hour and day and the
all-time rows are shared by every worker; the row lock an upsert takes is held only until its
short transaction commits.

The table's primary key (bucket_s, bucket_start, platform, endpoint) is what every query reads:
a range of bucket_start within one bucket_s. On SQLite the table is WITHOUT ROWID, so its rows
are stored in that order and a window's rows are read from one contiguous range.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from marketing_etl.contracts.rollups import CallCounters, CallSeries, bucket_start
from marketing_etl.models import ApiCall
from marketing_etl.storage.rollup_rows import (
    MAX_FIELDS,
    SUMMED_FIELDS,
    RollupKey,
    counters_from,
    fill_series,
    rollup_deltas,
    totals_bucket_s,
)
from marketing_etl.storage.sql_rollups_backfill import Backfill
from marketing_etl.storage.sql_schema import UtcDateTime, metadata


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, nullable=False)


api_call_rollups = sa.Table(
    "api_call_rollups",
    metadata,
    sa.Column("bucket_s", sa.Integer, primary_key=True),  # 3600, 86400 or 0 (all time)
    sa.Column("bucket_start", UtcDateTime, primary_key=True),
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("endpoint", sa.Text, primary_key=True),
    _count("calls"),
    _count("errors"),
    sa.Column("wait_s", sa.Float, nullable=False),
    _count("safe"),
    _count("warning"),
    _count("critical"),
    _count("unknown"),
    sa.Column("max_load_pct", sa.Float),
    sa.Column("max_regain_min", sa.Float),
    sqlite_with_rowid=False,
)
_KEY = ("bucket_s", "bucket_start", "platform", "endpoint")
_SUMS = [sa.func.coalesce(sa.func.sum(api_call_rollups.c[name]), 0).label(name) for name in SUMMED_FIELDS]
_MAXIMA = [sa.func.max(api_call_rollups.c[name]).label(name) for name in MAX_FIELDS]


class SqlRollups:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._upsert = _upsert_statement(engine.dialect.name)
        self._backfill = Backfill(engine, self.add_deltas)

    # writing -------------------------------------------------------------------------------
    def add(self, conn: Connection, calls: Sequence[ApiCall]) -> None:
        """Add a batch of calls to their rows, within the caller's transaction."""
        self.add_deltas(conn, rollup_deltas(calls))

    def add_deltas(self, conn: Connection, deltas: Sequence[tuple[RollupKey, CallCounters]]) -> None:
        if deltas:
            conn.execute(self._upsert, [_row(key, counters) for key, counters in deltas])

    def init(self, batch: int | None = None) -> None:
        """Roll up the calls an older version recorded without rollups (once; see the backfill)."""
        self._backfill.run(batch)

    # queries -------------------------------------------------------------------------------
    def timeline(self, bucket_s: int, first: datetime, count: int, platform: str | None = None) -> CallSeries:
        # A year of daily rows is tens of thousands. PostgreSQL hands them over as one row per
        # series (arrays of bucket numbers and calls); SQLite, which has no arrays (its JSON
        # aggregates are slower than this), as they are, taken as the driver gives them: none of
        # the columns needs SQLAlchemy's result processing, the start is selected raw for that.
        start = bucket_start(first, bucket_s)
        stmt = timeline_query(self._engine.dialect.name, bucket_s, start, count, platform)
        with self._engine.connect() as conn:
            result = conn.execute(stmt)
            try:
                rows = result.cursor.fetchall()
            finally:
                result.close()
        if self._engine.dialect.name == "sqlite":
            return fill_series(rows, start, bucket_s, count, _utc)
        series: CallSeries = {}
        for platform_, endpoint, buckets, calls in rows:
            counts = series[(platform_, endpoint)] = [0] * count
            for index, n in zip(buckets, calls, strict=True):
                counts[index] += n
        return series

    def by_endpoint(
        self, bucket_s: int, since: datetime | None, platform: str | None = None
    ) -> dict[tuple[str, str], CallCounters]:
        with self._engine.connect() as conn:
            rows = conn.execute(totals_query(bucket_s, since, platform, by_endpoint=True)).mappings().all()
        return {(row["platform"], row["endpoint"]): counters_from(row) for row in rows}

    def by_platform(self, bucket_s: int, since: datetime | None) -> dict[str, CallCounters]:
        with self._engine.connect() as conn:
            rows = conn.execute(totals_query(bucket_s, since, None, by_endpoint=False)).mappings().all()
        return {row["platform"]: counters_from(row) for row in rows}


def timeline_query(
    dialect_name: str, bucket_s: int, start: datetime, count: int, platform: str | None
) -> sa.Select[Any]:
    """The rows of `count` buckets from `start` (a bucket start): on SQLite each row (its start
    raw), on PostgreSQL one row per series with the bucket numbers and calls as arrays."""
    c = api_call_rollups.c
    where = [
        *_window(bucket_s, start, platform),
        c.bucket_start < start + timedelta(seconds=bucket_s * count),
    ]
    if dialect_name == "sqlite":
        raw_start = sa.type_coerce(c.bucket_start, sa.types.NullType())
        # In the key's own order, so no sort. (Ordering by its later columns too would make SQLite
        # sort when the platform is fixed: it does not see that the key's order still holds.)
        return sa.select(raw_start, c.platform, c.endpoint, c.calls).where(*where).order_by(c.bucket_start)
    seconds = sa.cast(sa.extract("epoch", c.bucket_start), sa.BigInteger) - int(start.timestamp())
    number = seconds // bucket_s  # integer division: both are integers
    arrays = [sa.type_coerce(sa.func.array_agg(value), sa.types.NullType()) for value in (number, c.calls)]
    return sa.select(c.platform, c.endpoint, *arrays).where(*where).group_by(c.platform, c.endpoint)


def totals_query(
    bucket_s: int, since: datetime | None, platform: str | None, *, by_endpoint: bool
) -> sa.Select[Any]:
    c = api_call_rollups.c
    keys = [c.platform, c.endpoint] if by_endpoint else [c.platform]
    window = _window(totals_bucket_s(bucket_s, since), since, platform)
    return sa.select(*keys, *_SUMS, *_MAXIMA).where(*window).group_by(*keys)


def _window(bucket_s: int, since: datetime | None, platform: str | None) -> list[sa.ColumnElement[bool]]:
    c = api_call_rollups.c
    where = [c.bucket_s == bucket_s]
    if since is not None:
        where.append(c.bucket_start >= bucket_start(since, bucket_s))
    if platform is not None:
        where.append(c.platform == platform)
    return where


def _utc(raw: datetime | str) -> datetime:
    """A bucket_start as the driver returned it: a datetime (PostgreSQL) or SQLite's text."""
    moment = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _row(key: RollupKey, counters: CallCounters) -> dict[str, Any]:
    return {name: getattr(key, name) for name in _KEY} | vars(counters)


def _upsert_statement(dialect_name: str) -> sa.Insert:
    sqlite_dialect = dialect_name == "sqlite"
    stmt = (sqlite if sqlite_dialect else postgresql).insert(api_call_rollups)
    current, added = api_call_rollups.c, stmt.excluded
    values: dict[str, Any] = {name: current[name] + added[name] for name in SUMMED_FIELDS}
    for name in MAX_FIELDS:
        if sqlite_dialect:
            # SQLite's two-argument max() is NULL when either is; PostgreSQL's greatest() skips NULLs.
            both = sa.func.coalesce(current[name], added[name]), sa.func.coalesce(added[name], current[name])
            values[name] = sa.func.max(*both)
        else:
            values[name] = sa.func.greatest(current[name], added[name])
    upsert: sa.Insert = stmt.on_conflict_do_update(
        index_elements=[current[name] for name in _KEY], set_=values
    )
    return upsert
