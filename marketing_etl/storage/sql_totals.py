"""Totals checks (contracts/totals.py) on SQLite and PostgreSQL: one row per job in
`totals_checks`, the comparisons as JSON with amounts as decimal text."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from marketing_etl.contracts.totals import TotalsCheck, TotalsOutcome
from marketing_etl.storage.sql_report_tables import totals_checks
from marketing_etl.storage.totals_docs import comparisons_from_doc, comparisons_to_doc


class SqlTotalsCheckStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(self, check: TotalsCheck) -> None:
        values = {
            "job_id": check.job_id,
            "checked_at": check.checked_at,
            "outcome": check.outcome.value,
            "comparisons": comparisons_to_doc(check.comparisons),
            "notes": list(check.notes),
        }
        dialect = sqlite if self._engine.dialect.name == "sqlite" else postgresql
        stmt = dialect.insert(totals_checks).values(values)
        replace = {key: stmt.excluded[key] for key in values if key != "job_id"}
        with self._engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["job_id"], set_=replace))

    def get(self, job_id: str) -> TotalsCheck | None:
        stmt = sa.select(totals_checks).where(totals_checks.c.job_id == job_id)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        return TotalsCheck(
            job_id=row["job_id"],
            checked_at=row["checked_at"],
            outcome=TotalsOutcome(row["outcome"]),
            comparisons=comparisons_from_doc(row["comparisons"]),
            notes=tuple(row["notes"]),
        )

    def count_mismatches(self, since: datetime | None, until: datetime | None) -> int:
        where = [totals_checks.c.outcome == TotalsOutcome.MISMATCH.value]
        if since is not None:
            where.append(totals_checks.c.checked_at >= since)
        if until is not None:
            where.append(totals_checks.c.checked_at < until)
        stmt = sa.select(sa.func.count()).select_from(totals_checks).where(*where)
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def delete_for_jobs(self, job_ids: list[str]) -> int:
        if not job_ids:
            return 0
        stmt = sa.delete(totals_checks).where(totals_checks.c.job_id.in_(job_ids))
        with self._engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)
