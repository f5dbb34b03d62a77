"""The access token is never written in plaintext: not in the SQLite files, not in PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from marketing_etl import jobs
from marketing_etl.job_spec import JobRequest
from marketing_etl.models import utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.plugins import HeldExecutor, register
from tests.services import postgres_schema
from tests.test_runner import make_settings

TOKEN = "EAAB-at-rest-secret-9f8e7d6c5b4a"


def _request(job_id: str, script: str) -> JobRequest:
    return JobRequest.model_validate(
        {
            "task_type": "facebook_daily",
            "job_id": job_id,
            "access_token": TOKEN,
            "start_date": "2026-10-01",
            "end_date": "2026-10-02",
            "user_email": "ana@example.com",
            "spreadsheet_id": "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
            "sheet_name": "Daily",
            "accounts": ["123"],
            "template_name": script,
        }
    )


def _run_three_jobs(services: Services) -> None:
    scripts = {"rest-ok": "rows=2;log=hi", "rest-fail": "rows=1;log=hi;fail=user", "rest-queued": "rows=1"}
    held = HeldExecutor()
    for job_id, script in scripts.items():
        assert jobs.create_job(services, held, _request(job_id, script)).new
    assert held.submitted == list(scripts)
    assert services.vault.get("rest-queued", utcnow()) == TOKEN  # stored, and decryptable
    run_job("rest-ok", services.runner_deps())
    run_job("rest-fail", services.runner_deps())
    logs = " ".join(line.message for line in services.store.get_logs("rest-fail"))
    assert "hi token=***" in logs


def test_sqlite_files_never_hold_the_token(tmp_path: Path) -> None:
    plugins = Plugins()
    register(plugins)
    services = build_services(make_settings(tmp_path), plugins)
    _run_three_jobs(services)
    services.close()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("marketing_etl.db")]
    assert files, "the SQLite database was not where expected"
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path.name


def test_postgresql_tables_never_hold_the_token(tmp_path: Path) -> None:
    with postgres_schema() as url:
        plugins = Plugins()
        register(plugins)
        services = build_services(make_settings(tmp_path, database_url=url), plugins)
        _run_three_jobs(services)
        services.close()
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            own_tables = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            tables = conn.execute(sa.text(own_tables))
            names = [row[0] for row in tables]
            assert {"jobs", "job_logs", "job_tokens"} <= set(names)
            # bytea columns print as hex, so look for the token both ways.
            needles = (TOKEN, TOKEN.encode().hex())
            for name in names:
                dump = conn.execute(sa.text(f'SELECT t::text FROM "{name}" t')).scalars().all()
                assert not any(needle in row for row in dump for needle in needles), name
            tokens = conn.execute(sa.text("SELECT count(*) FROM job_tokens")).scalar_one()
            assert tokens == 2  # the failed and the queued job keep theirs, encrypted
        engine.dispose()
