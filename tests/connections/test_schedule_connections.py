"""Schedules whose job body names a saved connection: validated like a job's, fired with the
connection's token, and failing (as a job, not a skipped firing) once it is deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from marketing_etl.executors.local import LocalExecutor
from marketing_etl.models import JobStatus, utcnow
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN as FACEBOOK_TOKEN
from marketing_etl.schedules.firing import fire
from tests.connections.conftest import Server
from tests.connections.test_connection_jobs import accounts, finished, job_body
from tests.connections.test_connections_api import save


def schedule_body(server: Server, **job: Any) -> dict[str, Any]:
    body = job_body("unused", accounts=accounts(server, 1), sheet_name="Scheduled", **job)
    for generated in ("job_id", "start_date", "end_date"):
        del body[generated]
    return {"name": "Daily by connection", "cron": "0 6 * * *", "date_range": "last_7_days", "job": body}


def test_a_schedule_by_connection_runs_and_fails_once_deleted(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    created = server.http.post("/schedules", json=schedule_body(server, connection_id=connection_id))
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["job"]["connection_id"] == connection_id

    fired = server.http.post(f"/schedules/{schedule['schedule_id']}/run-now").json()
    assert finished(server, fired["job_id"]).status is JobStatus.SUCCESS

    server.http.delete(f"/connections/{connection_id}")
    stored = server.services.store.schedules.get(schedule["schedule_id"])
    assert stored is not None
    executor = LocalExecutor(server.services)
    executor.start()
    try:
        slot = utcnow().replace(second=0, microsecond=0) + timedelta(days=1)
        job_id = fire(server.services, executor, stored, slot, utcnow())
        assert job_id is not None, "the firing created its job, to fail where people look"
        job = finished(server, job_id)
    finally:
        executor.shutdown()
    assert (
        job.status is JobStatus.FAILED and f"The saved connection {connection_id} was deleted" in job.message
    )


def test_schedule_bodies_need_exactly_one(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    both = schedule_body(server, connection_id=connection_id, access_token=FACEBOOK_TOKEN)
    answer = server.http.post("/schedules", json=both)
    assert answer.status_code == 422
    fields = [entry["loc"] for entry in answer.json()["detail"]]
    assert fields == [["body", "job", "access_token"], ["body", "job", "connection_id"]]
    unknown = server.http.post("/schedules", json=schedule_body(server, connection_id="conn_nope"))
    assert unknown.status_code == 422 and "conn_nope" in unknown.text
