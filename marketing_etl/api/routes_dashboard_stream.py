"""/api/dashboard/jobs/{job_id}/log/stream: the live log as server-sent events.

Events:
  `log`  one log line, `id` = its seq, data {seq, ts, level, attempt, message}
  `job`  the job's status, progress, message, rows and ETA, sent whenever one of them changes
  `end`  the job has finished and every line was sent; the client should close

A response lives at most STREAM_MAX_S. EventSource then reconnects by itself, sending the last
seq it saw as Last-Event-ID, and continues from there. That keeps a server able to shut down
while browsers are watching (uvicorn waits for open responses), at the cost of a reconnect.
Mounted under routes_dashboard's router, which adds the prefix and the dashboard login.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from marketing_etl.api.deps import ServicesDep
from marketing_etl.api.routes_dashboard_jobs import job_eta_s
from marketing_etl.api.schemas import iso_z
from marketing_etl.contracts.store import Store
from marketing_etl.models import Job, LogLine

router = APIRouter(prefix="/jobs")

POLL_S = 0.5
STREAM_MAX_S = 15.0
BATCH = 500
RECONNECT_MS = 1000
# Seqs are stored as 64-bit integers; a larger `after` would overflow the store's query.
MAX_SEQ = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() also takes "²", which int() refuses


@router.get(
    "/{job_id}/log/stream",
    summary="The job's log, live (server-sent events)",
    description=(
        "Sends the log lines after `after` or the Last-Event-ID header (as an EventSource "
        "sends on reconnect), whichever is later, then new ones as the worker writes them, plus `job` "
        "events when status or progress changes, and `end` once the job has finished and its "
        f"log is drained. Each response lasts at most {STREAM_MAX_S:.0f} s; reconnect to go on."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 404: {"description": "No job has this job_id"}},
)
async def log_stream(
    job_id: str,
    request: Request,
    services: ServicesDep,
    after: Annotated[int | None, Query(ge=0, le=MAX_SEQ, description="the last seq already shown")] = None,
    last_event_id: Annotated[str | None, Header(description=f"the last seq seen, 0 to {MAX_SEQ}")] = None,
) -> StreamingResponse:
    store = services.store
    # Checked before anything is sent: a bad value must be a 422, not a stream that breaks.
    last_seen = _seq(last_event_id)
    if await run_in_threadpool(store.get_job, job_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No job with job_id '{job_id}'.")
    # An EventSource reconnects to its first URL (with the first `after`) plus Last-Event-ID.
    start = max(after or 0, last_seen)
    return StreamingResponse(
        _events(store, job_id, start, request),
        media_type="text/event-stream",
        # Proxies must not buffer the stream, or "live" arrives in one piece at the end.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _seq(header: str | None) -> int:
    """Last-Event-ID as a seq: 0 when absent or empty (a first connection), else 0..MAX_SEQ.

    The server only ever sends seqs as ids, so anything else did not come from here: 422."""
    if not header:
        return 0
    if not _DIGITS.fullmatch(header) or int(header) > MAX_SEQ:
        shown = header if len(header) <= 40 else f"{header[:40]}..."
        raise RequestValidationError(
            [
                {
                    "loc": ("header", "last-event-id"),
                    "msg": f"Last-Event-ID '{shown}' is not a log seq; send a whole number from "
                    f"0 to {MAX_SEQ}, or no Last-Event-ID to start from the beginning",
                    "type": "value_error",
                }
            ]
        )
    return int(header)


async def _events(store: Store, job_id: str, last_seq: int, request: Request) -> AsyncIterator[str]:
    yield f"retry: {RECONNECT_MS}\n\n"
    deadline = time.monotonic() + STREAM_MAX_S
    last_state: dict[str, Any] | None = None
    finished_before = False
    while time.monotonic() < deadline and not await request.is_disconnected():
        # The job is read before its log: the runner writes its last line after the final
        # status, so "finished" followed by an empty read one poll later means drained.
        job = await run_in_threadpool(store.get_job, job_id)
        if job is None:
            return
        state = _state(job)
        # The ETA moves on every poll while running; only real changes are worth an event.
        if state != last_state:
            last_state = state
            yield _event("job", {**state, "eta_s": job_eta_s(job)})
        lines = await run_in_threadpool(_new_lines, store, job_id, last_seq)
        for line in lines:
            last_seq = line.seq
            yield _event("log", _line(line), event_id=line.seq)
        if finished_before and not lines:
            yield _event("end", {"status": job.status.value})
            return
        finished_before = job.status.finished
        await anyio.sleep(POLL_S)


def _new_lines(store: Store, job_id: str, after_seq: int) -> list[LogLine]:
    lines: list[LogLine] = []
    while True:
        batch = store.get_logs(job_id, after_seq, BATCH)
        lines += batch
        if len(batch) < BATCH:
            return lines
        after_seq = batch[-1].seq


def _state(job: Job) -> dict[str, Any]:
    return {
        "status": job.status.value,
        "progress": job.progress,
        "message": job.message,
        "rows_written": job.rows_written,
        "attempt": job.attempt,
        "cancel_requested": job.cancel_requested,
    }


def _line(line: LogLine) -> dict[str, Any]:
    return {
        "seq": line.seq,
        "ts": iso_z(line.ts),
        "level": line.level,
        "attempt": line.attempt,
        "message": line.message,
    }


def _event(name: str, data: dict[str, Any], event_id: int | None = None) -> str:
    # JSON never contains a raw newline, so each event's data fits on one `data:` line.
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data)}\n\n"
