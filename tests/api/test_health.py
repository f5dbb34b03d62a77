"""/healthz and the app's own documentation."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from marketing_etl import __version__
from marketing_etl.api import create_app
from tests.api.helpers import Api, make_settings


def test_healthz_ok_and_then_executor_down(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "store": "ok", "executor": "local"}

    api.client.app.state.api.executor.shutdown(wait_s=1)  # type: ignore[attr-defined]
    down = api.client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "down", "store": "ok", "executor": "local: down"}


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
