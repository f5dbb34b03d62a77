"""Test-only source and destination, registered by tests in place of the real platforms.

`StandInSource` is the contract's bookkeeping for a test source standing in for one real
platform: that platform's name, task types, aliases and required-field rules (so the API's
validation answers as in production), no catalog. The scripted source is one, per platform.

The source's behaviour comes from the job's `template_name`, written as `key=value;...`:
  rows=N        how many rows to produce (default 5)
  delay_ms=N    sleep this long before each row, checking cancel (default 0)
  fail=user     raise a UserError after producing all rows ("fail=crash": a plain exception)
  fail_at=N     raise at row N instead of at the end
  log=TEXT      log TEXT through the `marketing_etl` logger (and the token, to test masking)
  chunk=N       the destination records rows written every N rows, like a chunked writer (default 1)
  label=1       each row starts with a "job" column holding the job id (rows of many jobs in one tab)
Row i is (date, i, i * 1.5). The destination keeps rows in memory or writes JSON files to
OUTPUT_DIR (so a separate worker process can be checked), one file per job, counting rows
written as it goes.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import Destination, FieldProblem, Source, TaskCatalog
from marketing_etl.contracts.report import Column, Report, WriteResult
from marketing_etl.errors import UserError
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import ApiCall
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook.checks import required_fields
from marketing_etl.sources.tiktok.fields import required_ids

log = logging.getLogger("marketing_etl.tests.source")
OUTPUT_DIR_ENV = "TEST_OUTPUT_DIR"
PLATFORM_TASK_TYPES = {
    "facebook": ("facebook_daily", "facebook_performance", "facebook_breakdown"),
    "tiktok": ("product", "creative"),
}
TASK_TYPES = (*PLATFORM_TASK_TYPES["facebook"], *PLATFORM_TASK_TYPES["tiktok"])
DISPLAY_NAMES = {"facebook": "Facebook", "tiktok": "TikTok"}
TIKTOK_ALIASES = {"tiktok_product": "product", "tiktok_creative": "creative"}


def script_of(ctx: JobContext) -> dict[str, str]:
    raw = ctx.spec.template_name or ""
    return dict(part.split("=", 1) for part in raw.split(";") if "=" in part)


class StandInSource(Source):
    def __init__(self, platform: str = "facebook", task_types: tuple[str, ...] | None = None) -> None:
        self.platform = platform
        self.display_name = DISPLAY_NAMES[platform]
        self.task_types = task_types or PLATFORM_TASK_TYPES[platform]
        self.aliases: Mapping[str, str] = {
            alias: task for alias, task in TIKTOK_ALIASES.items() if task in self.task_types
        }

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        if self.platform == "facebook":
            return required_fields(spec)
        return required_ids(spec.task_type, spec)

    def catalog(self, task_type: str) -> TaskCatalog:
        return TaskCatalog(task_type)

    def fetch(self, ctx: JobContext) -> Report:
        raise NotImplementedError("each stand-in source fetches its own rows")


class ScriptedSource(StandInSource):
    def fetch(self, ctx: JobContext) -> Report:
        script = script_of(ctx)
        if "log" in script:
            log.info("%s token=%s", script["log"], ctx.access_token)
        ctx.record_api_call(
            ApiCall(job_id=ctx.job_id, platform="test", endpoint="/rows", http_status=200,
                    duration_ms=1.5, usage={"app_usage_pct": 12})
        )
        columns = [Column("date", "date"), Column("n", "integer"), Column("value", "money")]
        rows = self._rows(ctx, script)
        if script.get("label"):
            columns.insert(0, Column("job", "text"))
            rows = ([ctx.job_id, *row] for row in rows)
        return Report(columns=columns, rows=rows)

    def _rows(self, ctx: JobContext, script: dict[str, str]) -> Iterator[list[Any]]:
        count = int(script.get("rows", "5"))
        delay_s = int(script.get("delay_ms", "0")) / 1000
        fail_at = int(script.get("fail_at", str(count)))
        for i in range(count):
            if delay_s:
                ctx.wait(delay_s)
            if i == fail_at and "fail" in script:
                _fail(script["fail"])
            yield [ctx.spec.start_date.isoformat(), i, i * 1.5]
        if fail_at >= count and "fail" in script:
            _fail(script["fail"])


def _fail(kind: str) -> None:
    if kind == "crash":
        raise RuntimeError("scripted crash")
    raise UserError("The scripted source refused this account.")


class MemoryDestination(Destination):
    """Writes rows one by one, recording progress after each, like a chunked writer would."""

    def __init__(self) -> None:
        self.tables: dict[str, list[list[Any]]] = {}

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return []

    def write(self, ctx: JobContext, report: Report) -> WriteResult:
        table = self.tables.setdefault(ctx.job_id, [])
        table.append([c.name for c in report.columns])
        chunk = int(script_of(ctx).get("chunk", "1"))
        written = pending = 0
        for row in report.rows:
            ctx.check_cancel()
            table.append(list(row))
            written += 1
            pending += 1
            if pending == chunk:
                ctx.add_rows_written(pending)
                pending = 0
        if pending:
            ctx.add_rows_written(pending)
        _persist(ctx.job_id, table)
        return WriteResult(rows_written=written, url=f"memory://{ctx.job_id}")


def _persist(job_id: str, table: list[list[Any]]) -> None:
    out = os.environ.get(OUTPUT_DIR_ENV)
    if out:
        Path(out, f"{job_id}.json").write_text(json.dumps(table))


class HeldExecutor:
    """An executor that only records what it was given: the test runs those jobs itself."""

    name = "held"

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def start(self) -> None:
        """Nothing to start: no threads, no broker."""

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)

    def ping(self) -> None:
        """Always ready."""

    def shutdown(self, wait_s: float = 10.0) -> None:
        """Nothing to stop."""


def register_sources(plugins: Plugins) -> None:
    """Serve every task type of both platforms with the scripted source; the real destinations stay."""
    for platform in PLATFORM_TASK_TYPES:
        plugins.sources.replace(ScriptedSource(platform))


def register(plugins: Plugins, destination: MemoryDestination | None = None) -> MemoryDestination:
    """Register the test source for every task type and the test destination as `sheets`."""
    dest = destination or MemoryDestination()
    register_sources(plugins)
    plugins.destinations.register("sheets", dest)
    return dest
