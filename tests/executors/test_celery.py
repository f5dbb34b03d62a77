"""A real `marketing-etl worker` against real Redis, sharing a SQLite store with this process."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from marketing_etl import jobs
from marketing_etl.executors.celery_executor import CeleryExecutor
from marketing_etl.models import JobStatus
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import (
    TOKEN,
    Proc,
    free_port,
    job_request,
    make_settings,
    subprocess_env,
    wait_for_status,
)
from tests.services import redis_database

pytestmark = pytest.mark.redis


@dataclass
class CeleryRig:
    services: Services
    executor: CeleryExecutor
    redis: redis.Redis[bytes]
    output_dir: Path
    worker: Proc


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[CeleryRig]:
    with redis_database() as broker:
        yield from _rig(tmp_path, broker)


def _rig(tmp_path: Path, broker: str) -> Iterator[CeleryRig]:
    database_url = f"sqlite:///{(tmp_path / 'jobs.db').as_posix()}"
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    env = subprocess_env(
        tmp_path,
        REDIS_URL=broker,
        DATABASE_URL=database_url,
        TEST_OUTPUT_DIR=str(output_dir),
        JOB_LEASE_S="5",
    )
    settings = make_settings(tmp_path, executor="celery", redis_url=broker, database_url=database_url)
    services = build_services(settings)
    client = redis.Redis.from_url(broker)
    worker = Proc(
        ["worker", "--concurrency", "2", "--loglevel", "info"], env, tmp_path, tmp_path / "worker.log"
    )
    executor = CeleryExecutor(services)
    try:
        executor.start()
        yield CeleryRig(services, executor, client, output_dir, worker)
    finally:
        executor.shutdown(wait_s=5)
        worker.stop(wait_s=15)
        services.close()
        client.close()


def redis_dump(client: redis.Redis[bytes]) -> str:
    """Every key and value in the database, with Celery message bodies base64-decoded."""
    parts: list[str] = []
    for key in client.scan_iter():
        kind = client.type(key).decode()  # type: ignore[no-untyped-call]
        values: list[Any]
        if kind == "string":
            values = [client.get(key)]
        elif kind == "list":
            values = list(client.lrange(key, 0, -1))
        elif kind == "hash":
            values = [item for pair in client.hgetall(key).items() for item in pair]
        elif kind == "set":
            values = list(client.smembers(key))
        elif kind == "zset":
            values = [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
        else:
            values = []
        parts.append(key.decode(errors="replace"))
        parts += [_decoded(value) for value in values if value is not None]
    return "\n".join(parts)


def _decoded(value: bytes) -> str:
    text = value.decode(errors="replace")
    for candidate in (text, *_json_strings(text)):
        try:
            message = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(message, dict) and isinstance(message.get("body"), str):
            text += "\n" + base64.b64decode(message["body"]).decode(errors="replace")
    return text


def _json_strings(text: str) -> list[str]:
    # The unacked hash stores [message, exchange, routing_key] as a JSON list.
    try:
        loaded = json.loads(text)
    except ValueError:
        return []
    return [json.dumps(item) for item in loaded] if isinstance(loaded, list) else []


def test_worker_runs_a_job_and_the_token_never_reaches_redis(rig: CeleryRig) -> None:
    rig.executor.ping()
    result = jobs.create_job(
        rig.services, rig.executor, job_request("cel-1", "rows=20;delay_ms=100;log=fetching rows")
    )
    assert result.new
    dumps = [redis_dump(rig.redis)]
    wait_for_status(rig.services.store, "cel-1", [JobStatus.RUNNING], 30)
    dumps.append(redis_dump(rig.redis))
    job = wait_for_status(rig.services.store, "cel-1", [JobStatus.SUCCESS, JobStatus.FAILED], 30)
    dumps.append(redis_dump(rig.redis))
    assert job.status is JobStatus.SUCCESS, job.message
    assert job.rows_written == 20
    written = json.loads((rig.output_dir / "cel-1.json").read_text())
    assert written[0] == ["date", "n", "value"] and len(written) == 21
    everything = "\n".join(dumps)
    assert '"cel-1"' in everything, "the scan should have seen the task message"
    assert TOKEN not in everything
    assert TOKEN[5:20] not in everything
    assert "fetching rows" in rig.worker.output()
    assert TOKEN not in rig.worker.output()


def test_cancel_through_the_celery_path(rig: CeleryRig) -> None:
    jobs.create_job(rig.services, rig.executor, job_request("cel-cancel", "rows=200;delay_ms=50"))
    wait_for_status(rig.services.store, "cel-cancel", [JobStatus.RUNNING], 30)
    assert jobs.cancel_job(rig.services, "cel-cancel").cancel_requested
    job = wait_for_status(rig.services.store, "cel-cancel", [JobStatus.CANCELLED], 15)
    assert job.message.startswith("Cancelled by user")
    rig.worker.check_alive()


def test_an_unreachable_broker_fails_ping_but_not_submit(tmp_path: Path) -> None:
    broker = f"redis://127.0.0.1:{free_port()}/0"
    services = build_services(make_settings(tmp_path, executor="celery", redis_url=broker))
    executor = CeleryExecutor(services)
    try:
        with pytest.raises(RuntimeError, match="unreachable"):
            executor.ping()
        # The API has already stored the job; it stays QUEUED and is published again later.
        result = jobs.create_job(services, executor, job_request("cel-offline", "rows=1"))
        assert result.new
    finally:
        executor.shutdown(wait_s=1)
        services.close()
