"""Rolling up, once, the API calls a database holds from before it had rollups (SQL stores).

A database upgraded to the version with rollups has raw api_calls rows and no counters. The
first init() of the new version records, in a one-row table, the highest api_calls id at that
moment (`upto_id`): every row up to it was recorded without rollups, and every later row is
recorded with them, because a process of this version records nothing before its own init() has
run and found that row there. init() then rolls up the rows up to `upto_id`, oldest first, in
batches of BATCH rows, one transaction each: the batch's counters and the new `done_id` commit
together, so a crash loses nothing and counts nothing twice, and the next start continues.

Several processes starting together share the work instead of repeating it: a batch begins by
updating the progress row, which holds its lock (PostgreSQL's row lock, SQLite's write lock) to
the commit, so the next process reads the progress this one left and takes the next batch.
Once `done_id` reaches `upto_id`, an init() costs one indexed read.

Rows recorded after `upto_id` by a process of the older version still running during a rolling
upgrade get no counters (their raw rows stay); stop the old workers before starting new ones
(docker compose up recreates them) to avoid that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from marketing_etl.contracts.rollups import CallCounters
from marketing_etl.storage.rollup_rows import Deltas, RollupKey, add_call
from marketing_etl.storage.sql_schema import api_calls, metadata

BATCH = 5_000
NAME = "api_calls"
log = logging.getLogger(__name__)

rollup_backfill = sa.Table(
    "rollup_backfill",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("upto_id", sa.BigInteger, nullable=False),  # rows up to here predate the rollups
    sa.Column("done_id", sa.BigInteger, nullable=False),  # rows up to here are rolled up
)

AddDeltas = Callable[[Connection, Sequence[tuple[RollupKey, CallCounters]]], None]


class Backfill:
    def __init__(self, engine: Engine, add_deltas: AddDeltas) -> None:
        self._engine = engine
        self._add_deltas = add_deltas

    def run(self, batch: int | None = None) -> int:
        """Roll up what is left to roll up; returns how many raw rows this call rolled up."""
        self._mark_cutoff()
        if self._finished():
            return 0
        size = batch or BATCH
        log.info("Rolling up the API calls recorded before rollups existed (batches of %d)", size)
        total = 0
        while (rolled := self._one_batch(size)) is not None:
            total += rolled
        log.info("Rolled up %d earlier API calls", total)
        return total

    def _mark_cutoff(self) -> None:
        dialect = sqlite if self._engine.dialect.name == "sqlite" else postgresql
        highest = sa.select(
            sa.literal(NAME), sa.func.coalesce(sa.func.max(api_calls.c.id), 0), sa.literal(0)
        ).where(sa.true())  # SQLite needs a WHERE to tell an upsert's ON CONFLICT from a join's ON
        stmt = (
            dialect.insert(rollup_backfill)
            .from_select(["name", "upto_id", "done_id"], highest)
            .on_conflict_do_nothing(index_elements=[rollup_backfill.c.name])
        )
        with self._engine.begin() as conn:
            conn.execute(stmt)

    def _finished(self) -> bool:
        state = rollup_backfill.c
        stmt = sa.select(state.done_id >= state.upto_id).where(state.name == NAME)
        with self._engine.connect() as conn:
            return bool(conn.execute(stmt).scalar_one())

    def _one_batch(self, size: int) -> int | None:
        """One batch in one transaction; None once nothing is left."""
        state = rollup_backfill.c
        take_turn = (
            sa.update(rollup_backfill)
            .where(state.name == NAME)
            .values(done_id=state.done_id)
            .returning(state.done_id, state.upto_id)
        )
        with self._engine.begin() as conn:
            done, upto = conn.execute(take_turn).one()
            if done >= upto:
                return None
            c = api_calls.c
            rows = conn.execute(
                sa.select(c.id, c.ts, c.platform, c.endpoint, c.http_status, c.error, c.usage)
                .where(c.id > done, c.id <= upto)
                .order_by(c.id)
                .limit(size)
            ).all()
            deltas: Deltas = {}
            for row in rows:
                add_call(
                    deltas,
                    ts=row.ts,
                    platform=row.platform,
                    endpoint=row.endpoint,
                    http_status=row.http_status,
                    error=row.error,
                    usage=row.usage,
                )
            self._add_deltas(conn, sorted(deltas.items()))
            reached = rows[-1].id if len(rows) == size else upto
            conn.execute(sa.update(rollup_backfill).where(state.name == NAME).values(done_id=reached))
        return len(rows)
