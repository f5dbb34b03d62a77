"""/healthz and the app's own documentation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from marketing_etl import __version__
from marketing_etl.api.app import create_app
from marketing_etl.models import utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.wiring import build_services
from tests.api.helpers import Api, make_settings, tt_body
from tests.plugins import HeldExecutor, register

EMPTY_QUEUE = {"depth": 0, "oldest_queued_age_s": 0.0, "stalled": False, "message": "No jobs waiting."}


def test_healthz_ok_and_then_executor_down(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "store": "ok", "executor": "local", "queue": EMPTY_QUEUE}

    api.client.app.state.api.executor.shutdown(wait_s=1)  # type: ignore[attr-defined]
    down = api.client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "down", "store": "ok", "executor": "local: down", "queue": EMPTY_QUEUE}


def test_healthz_reports_a_queue_that_does_not_drain_but_stays_200(tmp_path: Path) -> None:
    """No worker takes the jobs (the executor only holds them): the queue shows it, while the
    API itself stays healthy for Docker's check."""
    settings = make_settings(tmp_path, queue_stalled_after_s=600)
    plugins = Plugins()
    register(plugins)
    services = build_services(settings, plugins)
    try:
        with TestClient(create_app(settings, services=services, executor=HeldExecutor())) as client:
            for job_id in ("waits-1", "waits-2"):
                assert client.post("/reports/create-job", json=tt_body(job_id=job_id)).status_code == 200
            fresh = client.get("/healthz").json()["queue"]
            assert (fresh["depth"], fresh["stalled"]) == (2, False)
            assert 0 <= fresh["oldest_queued_age_s"] < 60
            assert fresh["message"].startswith("2 jobs waiting, the oldest for ")

            services.store.update_job("waits-1", queued_at=utcnow() - timedelta(seconds=1800))
            response = client.get("/healthz")
    finally:
        services.close()
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["store"], body["executor"]) == ("ok", "ok", "held")
    queue = body["queue"]
    assert (queue["depth"], queue["stalled"]) == (2, True)
    assert 1800 <= queue["oldest_queued_age_s"] < 1860
    assert queue["message"].startswith("Not draining: 2 jobs waiting, the oldest for 18")
    assert "QUEUE_STALLED_AFTER_S, 600 s" in queue["message"]


def test_app_built_from_settings_alone(tmp_path: Path) -> None:
    """The default wiring: services and executor built by the app, plugins from EXTRA_PLUGINS."""
    settings = make_settings(tmp_path, extra_plugins="tests.plugins:register")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json()["status"] == "ok"


def test_openapi_documents_every_endpoint(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Marketing ETL Pipeline"
    assert spec["info"]["version"] == __version__
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented >= {
        ("/reports/create-job", "post"),
        ("/reports/{job_id}", "get"),
        ("/reports/{job_id}/cancel", "post"),
        ("/reports/{job_id}/retry", "post"),
        ("/api/dashboard", "get"),
        ("/api/dashboard/logs/{job_id}", "get"),
        ("/healthz", "get"),
    }
    operations = [op for ops in spec["paths"].values() for op in ops.values()]
    assert all(op.get("summary") and op.get("description") for op in operations)
    create = spec["paths"]["/reports/create-job"]["post"]["requestBody"]["content"]["application/json"]
    assert set(create["examples"]) == {"facebook", "tiktok"}
    for example in create["examples"].values():
        assert api.create(example["value"]).status_code == 200, example["summary"]
