"""docker-compose.yml against the Compose Specification's JSON schema (no Docker engine runs
here), plus what the production setup promises about it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from marketing_etl.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).parent / "compose_spec" / "compose-spec.json"
APP_SERVICES = ("api", "worker", "scheduler")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_file_validates_against_the_specification(
    validator: jsonschema.Draft7Validator, compose: dict[str, Any]
) -> None:
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert problems == []


def test_the_schema_does_reject_mistakes(
    validator: jsonschema.Draft7Validator, compose: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["worker"]["restrat"] = "always"
    broken["services"]["api"]["ports"] = {"8011": "8011"}
    assert len(list(validator.iter_errors(broken))) >= 2


def test_services_and_their_roles(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"api", "worker", "scheduler", "redis", "mongo", "postgres", "nginx", "flower"}
    commands = {name: services[name]["command"] for name in APP_SERVICES}
    assert commands["worker"] == ["marketing-etl", "worker"]
    assert commands["scheduler"] == ["marketing-etl", "scheduler"]
    assert commands["api"][:2] == ["marketing-etl", "serve"] and "8011" in commands["api"]
    assert services["api"]["environment"]["EMBEDDED_SCHEDULER"] == "false"
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
    # Only nginx is published; the worker can be scaled because nothing pins it to one container.
    assert [name for name, s in services.items() if "ports" in s] == ["nginx"]
    assert services["nginx"]["ports"] == ["${PUBLIC_PORT:-8011}:8011"]
    assert not {"container_name", "ports", "hostname"} & set(services["worker"])
    assert services["worker"]["stop_grace_period"] == "60s"


def test_stores_broker_and_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "--requirepass" in services["redis"]["command"]
    assert "${REDIS_PASSWORD" in services["api"]["environment"]["REDIS_URL"]
    assert services["mongo"]["environment"]["MONGO_INITDB_ROOT_USERNAME"] == "${MONGO_ROOT_USER}"
    assert services["mongo"]["environment"]["MONGO_INITDB_ROOT_PASSWORD"] == "${MONGO_ROOT_PASSWORD}"
    assert "mongo:/data/db" in services["mongo"]["volumes"]
    assert services["postgres"]["profiles"] == ["postgres"]
    assert set(compose["volumes"]) >= {"mongo", "redis", "postgres", "data"}


def test_flower_is_optional_and_reached_through_nginx(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["flower"]["profiles"] == ["monitoring"]
    assert services["flower"]["expose"] == ["5555"]
    assert services["nginx"]["environment"]["FLOWER_UPSTREAM"] == "flower:5555"
    # nginx starts without the monitoring profile, so it must not wait for Flower.
    assert "flower" not in services["nginx"]["depends_on"]


def test_nginx_uses_the_template_the_tests_run(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    assert "./deploy/nginx/templates:/etc/nginx/templates:ro" in nginx["volumes"]
    template = (ROOT / "deploy" / "nginx" / "templates" / "default.conf.template").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)\}", template))
    assert used == set(nginx["environment"])


def test_env_example_lists_every_setting_and_compose_variable(compose: dict[str, Any]) -> None:
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - listed == set(), "add these settings to .env.example"
    text = (ROOT / "docker-compose.yml").read_text()
    # $${...} is an escaped dollar for the container's shell, not a compose variable.
    variables = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))
    assert variables - listed == set(), "document these compose variables in .env.example"


def test_dockerfile_runs_as_a_user_with_a_healthcheck() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER app$", dockerfile, flags=re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    images = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)
    assert len(images) == 2 and images[0] == images[1] and images[0].startswith("python:3.11.")
    assert 'pip install -c requirements.lock ".[all]"' in dockerfile
