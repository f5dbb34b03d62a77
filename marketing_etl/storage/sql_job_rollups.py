"""Job rollups on SQLite and PostgreSQL: the dashboard's and /metrics' job figures per UTC day
of creation and for all time, kept by triggers on `jobs`.

Aggregating the jobs of a 30-day or all-time window read every one of them: at 100,000 jobs,
80-120 ms a view, growing with the history (benchmarks/dashboard.py). With these tables a window
reads at most one day of jobs (from its start to the next midnight) plus one row per day and
group, and all time one row per group (sql_job_stats.py).

Three tables, each with a row per (span_s, day, group): span_s DAY_S with the day's UTC start,
or ALL_TIME_S with the epoch. Statuses and task types carry the counts, rows written and
durations (whole milliseconds, so sums stay exact) with the histogram; templates and users their
job counts (users their FAILED ones too). Triggers add a job when it is inserted, move it when
a column the figures read changes, and take it away when it is deleted (pruning), all in the
transaction of the change: the rollups always equal what `jobs` holds, and MongoDB, which
aggregates its jobs directly (mongo_job_stats.py), answers the same. A group whose jobs all
moved on keeps a row of zeros, which the queries leave out. On SQLite, where one writer runs
at a time, the triggers fire per row; on PostgreSQL once per statement, each table's changes
summed and written in key order, so concurrent job writers never deadlock on shared rows.
Measured on a busy 2-core machine, per job (insert and two transitions): +3 ms on SQLite, +5 ms
on PostgreSQL, where a progress write pays 0.25 ms more.

`install` creates the triggers and fills the tables from the jobs already there, once, inside
the upgrade's transaction (migrations/versions/0002_job_rollups.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from marketing_etl.contracts.metrics import DURATION_BUCKETS_S
from marketing_etl.contracts.rollups import ALL_TIME_S, DAY_S
from marketing_etl.models import FINISHED_STATUSES, JobStatus
from marketing_etl.storage.sql_schema import UtcDateTime, metadata


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, nullable=False)


def _key(name: str, column_type: sa.types.TypeEngine[Any]) -> sa.Column[Any]:
    return sa.Column(name, column_type, primary_key=True)


BUCKET_COLUMNS = [f"le_{i}" for i in range(len(DURATION_BUCKETS_S))]

job_status_rollups = sa.Table(
    "job_status_rollups",
    metadata,
    _key("span_s", sa.Integer()),
    _key("day_start", UtcDateTime()),
    _key("status", sa.String(16)),
    _key("task_type", sa.String(32)),
    _count("jobs"),
    _count("rows_written"),
    _count("timed"),
    _count("duration_ms"),
    # Timed jobs that took at most DURATION_BUCKETS_S[i] seconds.
    *(_count(name) for name in BUCKET_COLUMNS),
    sqlite_with_rowid=False,
)
# Only jobs with a template ("" and none are left out of the figures).
job_template_rollups = sa.Table(
    "job_template_rollups",
    metadata,
    _key("span_s", sa.Integer()),
    _key("day_start", UtcDateTime()),
    _key("task_type", sa.String(32)),
    _key("template_name", sa.Text()),
    _count("jobs"),
    sqlite_with_rowid=False,
)
job_user_rollups = sa.Table(
    "job_user_rollups",
    metadata,
    _key("span_s", sa.Integer()),
    _key("day_start", UtcDateTime()),
    _key("task_type", sa.String(32)),
    _key("user_email", sa.Text()),
    _count("jobs"),
    _count("failed"),
    sqlite_with_rowid=False,
)
TABLES = (job_status_rollups, job_template_rollups, job_user_rollups)
# The columns the figures read: an update of others (progress, message, lease) fires nothing.
WATCHED = (
    "status",
    "task_type",
    "template_name",
    "user_email",
    "created_at",
    "rows_written",
    "started_at",
    "finished_at",
)
_INSTALLED_TRIGGER = "job_rollups_insert"


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class _Dialect:
    """The SQL text that differs between SQLite and PostgreSQL, for a row named `row` (NEW, OLD,
    or the jobs table itself when filling)."""

    def __init__(self, name: str) -> None:
        self.sqlite = name == "sqlite"

    def day(self, row: str) -> str:
        # SQLite stores UtcDateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' text, so its day is text too.
        if self.sqlite:
            return f"substr({row}.created_at, 1, 10) || ' 00:00:00.000000'"
        return f"date_trunc('day', {row}.created_at, 'UTC')"

    @property
    def epoch(self) -> str:
        return "'1970-01-01 00:00:00.000000'" if self.sqlite else "'1970-01-01 00:00:00+00'::timestamptz"

    def duration_ms(self, row: str) -> str:
        started, finished = f"{row}.started_at", f"{row}.finished_at"
        finished_statuses = _quoted(tuple(s.value for s in FINISHED_STATUSES))
        timed = f"{row}.status IN ({finished_statuses}) AND {started} IS NOT NULL AND {finished} IS NOT NULL"
        if self.sqlite:
            days = f"julianday({finished}) - julianday({started})"
            ms = f"CAST(round(({days}) * 86400000.0) AS INTEGER)"
        else:
            ms = f"CAST(round(date_part('epoch', {finished} - {started}) * 1000) AS BIGINT)"
        return f"(CASE WHEN {timed} THEN {ms} END)"


Contribution = tuple[sa.Table, dict[str, str], dict[str, str], str]


def _contributions(dialect: _Dialect, row: str) -> Iterator[Contribution]:
    """Per table: its key expressions (without span and day), value expressions and the
    condition for the row to count there."""
    d = dialect.duration_ms(row)
    status_values = {
        "jobs": "1",
        "rows_written": f"coalesce({row}.rows_written, 0)",
        "timed": f"(CASE WHEN {d} IS NULL THEN 0 ELSE 1 END)",
        "duration_ms": f"coalesce({d}, 0)",
    }
    for name, bound_s in zip(BUCKET_COLUMNS, DURATION_BUCKETS_S, strict=True):
        status_values[name] = f"(CASE WHEN {d} <= {round(bound_s * 1000)} THEN 1 ELSE 0 END)"
    status_keys = {"status": f"{row}.status", "task_type": f"{row}.task_type"}
    yield job_status_rollups, status_keys, status_values, "true"
    yield (
        job_template_rollups,
        {"task_type": f"{row}.task_type", "template_name": f"{row}.template_name"},
        {"jobs": "1"},
        f"{row}.template_name <> ''",
    )
    failed = f"(CASE WHEN {row}.status = '{JobStatus.FAILED.value}' THEN 1 ELSE 0 END)"
    yield (
        job_user_rollups,
        {"task_type": f"{row}.task_type", "user_email": f"{row}.user_email"},
        {"jobs": "1", "failed": failed},
        "true",
    )


def _spans(dialect: _Dialect, row: str) -> list[tuple[str, str]]:
    return [(str(DAY_S), dialect.day(row)), (str(ALL_TIME_S), dialect.epoch)]


def _upserts(dialect: _Dialect, row: str, sign: int) -> list[str]:
    """The statements adding (sign 1) or taking away (-1) one job's share of every rollup."""
    statements = []
    for table, keys, values, where in _contributions(dialect, row):
        for span, day in _spans(dialect, row):
            names = ["span_s", "day_start", *keys, *values]
            exprs = [span, day, *keys.values(), *(f"{sign} * {value}" for value in values.values())]
            key_names = ", ".join(["span_s", "day_start", *keys])
            sets = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in values)
            # INSERT ... SELECT with a WHERE: SQLite needs one before ON CONFLICT in any case.
            statements.append(
                f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(exprs)} WHERE {where} "
                f"ON CONFLICT ({key_names}) DO UPDATE SET {sets};"
            )
    return statements


def _fills(dialect: _Dialect) -> list[str]:
    """The statements filling the rollups from the jobs already stored."""
    statements = []
    for table, keys, values, where in _contributions(dialect, "jobs"):
        for span, day in _spans(dialect, "jobs"):
            names = ["span_s", "day_start", *keys, *values]
            exprs = [span, day, *keys.values(), *(f"sum({value})" for value in values.values())]
            groups = ", ".join(str(n) for n in range(1, len(keys) + 3))
            statements.append(
                f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(exprs)} "
                f"FROM jobs WHERE {where} GROUP BY {groups}"
            )
    return statements


def _sqlite_triggers(dialect: _Dialect) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    added, taken = "\n".join(_upserts(dialect, "NEW", 1)), "\n".join(_upserts(dialect, "OLD", -1))
    return [
        f"CREATE TRIGGER {_INSTALLED_TRIGGER} AFTER INSERT ON jobs BEGIN\n{added}\nEND",
        f"CREATE TRIGGER job_rollups_delete AFTER DELETE ON jobs BEGIN\n{taken}\nEND",
        f"CREATE TRIGGER job_rollups_update AFTER UPDATE OF {', '.join(WATCHED)} ON jobs "
        f"WHEN {changed} BEGIN\n{taken}\n{added}\nEND",
    ]


def _summed_upserts(dialect: _Dialect, sources: list[tuple[str, int, str]]) -> list[str]:
    """One upsert per table adding the jobs of `sources` (a transition table, its sign, which of
    its rows count), summed per key and written in key order: every transaction so locks the
    rows it shares with others (the all-time ones, today's) in one order, tables in one order,
    and two of them cannot deadlock, whatever jobs each changes."""
    statements = []
    for table, keys, values, where in _contributions(dialect, "r"):
        parts = []
        for relation, sign, which in sources:
            for span, day in _spans(dialect, "r"):
                columns = [
                    f"{span} AS span_s",
                    f"{day} AS day_start",
                    *(f"{expr} AS {name}" for name, expr in keys.items()),
                    *(f"{sign} * {expr} AS {name}" for name, expr in values.items()),
                ]
                parts.append(f"SELECT {', '.join(columns)} FROM {relation} r WHERE {where} AND {which}")
        key_names = ", ".join(["span_s", "day_start", *keys])
        sums = ", ".join(f"sum({name})" for name in values)
        sets = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in values)
        statements.append(
            f"INSERT INTO {table.name} ({key_names}, {', '.join(values)}) "
            f"SELECT {key_names}, {sums} FROM ({' UNION ALL '.join(parts)}) d "
            f"GROUP BY {key_names} ORDER BY {key_names} "
            f"ON CONFLICT ({key_names}) DO UPDATE SET {sets};"
        )
    return statements


def _postgres_triggers(dialect: _Dialect) -> list[str]:
    """Statement triggers over transition tables. PostgreSQL allows no column list on those, so
    the update one fires for every update of jobs and returns at once when no watched column
    changed (progress, messages, leases)."""
    olds = ", ".join(f"o.{c}" for c in WATCHED)
    news = ", ".join(f"n.{c}" for c in WATCHED)
    moved = f"old_rows o JOIN new_rows n ON n.job_id = o.job_id WHERE ({olds}) IS DISTINCT FROM ({news})"
    which = f"r.job_id IN (SELECT o.job_id FROM {moved})"
    inserted = "\n".join(_summed_upserts(dialect, [("new_rows", 1, "true")]))
    deleted = "\n".join(_summed_upserts(dialect, [("old_rows", -1, "true")]))
    updated = "\n".join(_summed_upserts(dialect, [("old_rows", -1, which), ("new_rows", 1, which)]))
    function = (
        "CREATE OR REPLACE FUNCTION job_rollups_apply() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"IF TG_OP = 'INSERT' THEN\n{inserted}\n"
        f"ELSIF TG_OP = 'DELETE' THEN\n{deleted}\n"
        f"ELSIF EXISTS (SELECT 1 FROM {moved}) THEN\n{updated}\n"
        "END IF;\nRETURN NULL;\nEND $$"
    )
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}
    tables["UPDATE"] = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
    return [
        function,
        *(
            f"CREATE TRIGGER job_rollups_{event.lower()} AFTER {event} ON jobs REFERENCING {refs} "
            "FOR EACH STATEMENT EXECUTE FUNCTION job_rollups_apply()"
            for event, refs in tables.items()
        ),
    ]


def _installed(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        found = sa.text("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :name")
    else:
        found = sa.text("SELECT 1 FROM pg_trigger WHERE tgrelid = 'jobs'::regclass AND tgname = :name")
    return conn.execute(found, {"name": _INSTALLED_TRIGGER}).first() is not None


def install(conn: Connection) -> None:
    """Create the triggers and fill the rollups from the stored jobs, unless done before. Runs in
    the upgrade's transaction, after the tables exist (on PostgreSQL under its migration lock):
    creating a trigger locks out writers of jobs until the commit there, and the transaction
    holds the write lock on SQLite, so no job changes between the fill and the triggers."""
    if conn.dialect.name == "sqlite":
        # The driver begins its transaction (BEGIN IMMEDIATE: the write lock) at the first
        # INSERT, UPDATE or DELETE, never at DDL: take it before looking, so that processes
        # starting together install once.
        conn.execute(sa.delete(job_status_rollups).where(sa.false()))
    if _installed(conn):
        return
    dialect = _Dialect(conn.dialect.name)
    triggers = _sqlite_triggers(dialect) if dialect.sqlite else _postgres_triggers(dialect)
    for statement in triggers:
        conn.exec_driver_sql(statement)
    for table in TABLES:
        conn.execute(sa.delete(table))
    for statement in _fills(dialect):
        conn.exec_driver_sql(statement)
