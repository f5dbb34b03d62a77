"""Services on a real SQLite store with the scripted test source, a clock tests move by hand,
and an executor that only records what it was handed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from marketing_etl.plugins import Plugins
from marketing_etl.schedules import manage
from marketing_etl.schedules.model import Schedule, ScheduleDefinition
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import SPREADSHEET_ID, make_settings
from tests.plugins import register

TOKEN = "EAAB-schedule-secret-token-41d2a7"


class RecordingExecutor:
    name = "recording"

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def start(self) -> None:
        """Nothing runs: tests look at the jobs in the store."""

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)

    def ping(self) -> None:
        """Always ready."""

    def shutdown(self, wait_s: float = 10.0) -> None:
        """Nothing to stop."""


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Rig:
    services: Services
    executor: RecordingExecutor = field(default_factory=RecordingExecutor)


@contextmanager
def rig(tmp_path: Path) -> Iterator[Rig]:
    plugins = Plugins()
    register(plugins)
    services = build_services(make_settings(tmp_path, embedded_scheduler=False), plugins)
    try:
        yield Rig(services)
    finally:
        services.close()


def job_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task_type": "product",
        "access_token": TOKEN,
        "user_email": "ana@example.com",
        "spreadsheet_id": SPREADSHEET_ID,
        "sheet_name": "GMV daily",
        "advertiser_id": "7001",
        "store_id": "8001",
        "template_name": "rows=2",
    }
    body.update(overrides)
    return body


def definition(**overrides: Any) -> ScheduleDefinition:
    values: dict[str, Any] = {
        "name": "GMV daily",
        "cron": "0 6 * * *",
        "timezone": "Asia/Ho_Chi_Minh",
        "date_range": "yesterday",
        "job": job_body(),
    }
    values.update(overrides)
    return ScheduleDefinition.model_validate(values)


def create(services: Services, **overrides: Any) -> Schedule:
    body = definition(**overrides)
    checked = manage.check(services, body, token_stored=False)
    assert isinstance(checked, manage.Checked), checked
    return manage.create(services, body, checked)
