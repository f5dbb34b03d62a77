"""Jobs naming a saved connection: validation, a run end to end into a sheet tab, and the
failure when the connection was deleted or expired."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from marketing_etl.contracts.connections import ConnectionCheck
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus, utcnow
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN as FACEBOOK_TOKEN
from tests.connections.conftest import SHARED_SHEET, TIKTOK_TOKEN, Server
from tests.connections.test_connections_api import save


def job_body(job_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task_type": "facebook_daily",
        "job_id": job_id,
        "start_date": "2026-03-01",
        "end_date": "2026-03-02",
        "user_email": "ana@example.com",
        "spreadsheet_id": SHARED_SHEET,
        "sheet_name": "By connection",
        "accounts": [],
        "template_name": "Campaign Overview Report",
    }
    body.update(overrides)
    return body


def accounts(server: Server, count: int = 2) -> list[dict[str, str]]:
    found = sorted(server.fakes.graph.world.accounts.values(), key=lambda a: a.id)[:count]
    return [{"id": f"act_{a.id}", "name": a.name} for a in found]


def finished(server: Server, job_id: str, timeout_s: float = 30) -> Job:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = server.services.store.get_job(job_id)
        if job is not None and job.status in (JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_job_by_connection_writes_the_sheet(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    body = job_body("by-connection", connection_id=connection_id, accounts=accounts(server))
    created = server.http.post("/reports/create-job", json=body)
    assert created.status_code == 200, created.text
    job = finished(server, "by-connection")
    assert job.status is JobStatus.SUCCESS, job.message
    assert job.spec.connection_id == connection_id
    assert server.services.store.get_token("by-connection", utcnow()) is None  # none of its own
    # The same report sent with the token itself: the connection's job wrote the same numbers.
    by_token = job_body(
        "by-token", access_token=FACEBOOK_TOKEN, accounts=accounts(server), sheet_name="By token"
    )
    assert server.http.post("/reports/create-job", json=by_token).status_code == 200
    assert finished(server, "by-token").status is JobStatus.SUCCESS
    book = server.fakes.google.books[SHARED_SHEET]
    values = book.tab("By connection").values()
    assert values == book.tab("By token").values()
    header, rows = values[0], values[1:]
    assert job.rows_written == len(rows) == 2
    names = {row[header.index("account_name")] for row in rows}
    assert names == {a["name"] for a in accounts(server)}
    assert all(float(row[header.index("spend")]) > 0 for row in rows)


def test_exactly_one_of_token_and_connection(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    for extra in ({}, {"access_token": FACEBOOK_TOKEN, "connection_id": connection_id}):
        answer = server.http.post(
            "/reports/create-job", json=job_body("one-of", accounts=accounts(server), **extra)
        )
        assert answer.status_code == 422
        fields = [entry["loc"] for entry in answer.json()["detail"]]
        assert ["body", "access_token"] in fields and ["body", "connection_id"] in fields
        assert FACEBOOK_TOKEN not in answer.text


def test_unknown_or_other_platform_connection(server: Server) -> None:
    tiktok = save(server, "tiktok", TIKTOK_TOKEN, "Shop")["connection_id"]
    for connection_id, says in (("conn_missing", "no saved connection"), (tiktok, "tiktok connection")):
        body = job_body("wrong-connection", connection_id=connection_id, accounts=accounts(server))
        answer = server.http.post("/reports/create-job", json=body)
        assert answer.status_code == 422, answer.text
        (entry,) = answer.json()["detail"]
        assert entry["loc"] == ["body", "connection_id"] and says in entry["msg"]
    assert server.services.store.get_job("wrong-connection") is None


def _queued(server: Server, job_id: str, connection_id: str) -> None:
    spec = JobSpec.model_validate(job_body(job_id, connection_id=connection_id, accounts=accounts(server, 1)))
    assert server.services.store.insert_job(Job(job_id=job_id, spec=spec, fingerprint=spec.fingerprint()))


def test_a_deleted_connection_fails_the_job_saying_so(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    _queued(server, "after-delete", connection_id)
    server.http.delete(f"/connections/{connection_id}")
    assert run_job("after-delete", server.services.runner_deps()) is JobStatus.FAILED
    job = server.services.store.get_job("after-delete")
    assert job is not None and job.message.startswith(f"The saved connection {connection_id} was deleted;")
    assert "open Connections in the dashboard and save a new token" in job.message


def test_an_expired_connection_fails_the_job_saying_so(server: Server) -> None:
    connection_id = save(server, name="Agency FB")["connection_id"]
    expired = utcnow() - timedelta(days=1)
    server.services.store.connections.record_check(
        connection_id, ConnectionCheck(checked_at=utcnow(), ok=True, expires_at=expired)
    )
    _queued(server, "after-expiry", connection_id)
    assert run_job("after-expiry", server.services.runner_deps()) is JobStatus.FAILED
    job = server.services.store.get_job("after-expiry")
    assert job is not None
    assert job.message.startswith(f"The saved connection 'Agency FB' ({connection_id}) expired on ")
    assert not server.fakes.graph.calls(contains="insights")


def test_retrying_a_connection_job_needs_no_token(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    _queued(server, "retry-me", connection_id)
    server.services.store.transition(
        "retry-me", [JobStatus.QUEUED], status=JobStatus.FAILED, finished_at=utcnow()
    )
    answer = server.http.post("/reports/retry-me/retry")
    assert answer.status_code == 200, answer.text
    assert finished(server, "retry-me").status is JobStatus.SUCCESS


def test_dashboard_create_job_is_the_create_job_route(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    body = job_body("from-builder", connection_id=connection_id, accounts=accounts(server, 1))
    assert server.http.post("/api/dashboard/jobs", json=body).status_code == 401
    no_header = server.http.post("/api/dashboard/jobs", json=body, auth=("admin", "dash-pass"))
    assert no_header.status_code == 403
    created = server.dashboard("POST", "/jobs", json=body)
    assert created.json() == {
        "status": "queued",
        "job_id": "from-builder",
        "message": "Job accepted and queued.",
    }
    again = server.http.post("/reports/create-job", json=body)
    assert again.status_code == 200 and again.json()["message"].startswith("This job already exists")
    conflict = server.dashboard("POST", "/jobs", json={**body, "sheet_name": "Other"})
    assert conflict.status_code == 409
    invalid = server.dashboard("POST", "/jobs", json={**body, "job_id": "builder-2", "connection_id": None})
    assert invalid.status_code == 422
    assert finished(server, "from-builder").status is JobStatus.SUCCESS
