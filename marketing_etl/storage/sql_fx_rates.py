"""The exchange-rate cache on SQLite / PostgreSQL.

The table joins the shared `metadata`, so `SqlStore.init()` creates it with the others. Rates
are kept as decimal text: SQLite has no exact decimal type, and a rate read back must be the
very number that converted the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from marketing_etl.contracts.fx_rates import CachedRate
from marketing_etl.storage.sql_schema import UtcDateTime, metadata

fx_rates = sa.Table(
    "fx_rates",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("base", sa.String(3), primary_key=True),
    sa.Column("quote", sa.String(3), primary_key=True),
    sa.Column("rate", sa.String(64), nullable=False),
    sa.Column("rate_date", sa.Date, nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
)


class SqlRateCache:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, day: date, base: str, quote: str) -> CachedRate | None:
        stmt = sa.select(fx_rates).where(
            fx_rates.c.day == day, fx_rates.c.base == base, fx_rates.c.quote == quote
        )
        with self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        return CachedRate(
            day=row["day"],
            base=row["base"],
            quote=row["quote"],
            rate=Decimal(row["rate"]),
            rate_date=row["rate_date"],
            source=row["source"],
            fetched_at=row["fetched_at"],
        )

    def put(self, rates: Sequence[CachedRate]) -> None:
        if not rates:
            return
        dialect = sqlite if self._engine.dialect.name == "sqlite" else postgresql
        records = [
            {
                "day": r.day,
                "base": r.base,
                "quote": r.quote,
                "rate": str(r.rate),
                "rate_date": r.rate_date,
                "source": r.source,
                "fetched_at": r.fetched_at,
            }
            for r in rates
        ]
        # Two jobs may resolve the same day at once: the first answer stays.
        stmt = dialect.insert(fx_rates).on_conflict_do_nothing()
        with self._engine.begin() as conn:
            conn.execute(stmt, records)
