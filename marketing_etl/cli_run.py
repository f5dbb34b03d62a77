"""`marketing-etl run JOB.json`: one job in the foreground, with a progress bar and its log.

The job is created exactly as the API creates it (jobs.create_job), but with an executor that
does nothing on submit: this process then runs it through runner.run_job in a thread while the
main thread follows the job in the store, so what is shown is what the dashboard would show.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from marketing_etl import runner
from marketing_etl.job_errors import Conflict, Invalid, JobCommandError
from marketing_etl.job_spec import JobRequest
from marketing_etl.jobs import cancel_job, check_request, create_job
from marketing_etl.log_redaction import install_log_redaction
from marketing_etl.models import Job, JobStatus, LogLine, utcnow
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.tokens import Redactor
from marketing_etl.wiring import build_services

POLL_INTERVAL_S = 0.2
BAR_WIDTH = 10
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class ForegroundSubmit:
    """The executor handed to create_job: the job is run right after, by this process."""

    name = "foreground"

    def start(self) -> None:
        """Nothing to start: run_command runs the job itself."""

    def submit(self, job_id: str) -> None:
        """Nothing to hand over: run_command runs the job itself."""

    def ping(self) -> None:
        """Always able to take the one job it was started for."""

    def shutdown(self, wait_s: float = 10.0) -> None:
        """Nothing to stop."""


def run_command(settings: Settings, source: str) -> int:
    request = _read_request(source)
    if request is None:
        return EXIT_USAGE
    services = build_services(settings)
    try:
        return _create_and_run(services, source, request)
    finally:
        services.close()


def _create_and_run(services: Services, source: str, request: JobRequest) -> int:
    try:
        check_request(services, request, utcnow().date())
        job = create_job(services, ForegroundSubmit(), request).job
    except Invalid as exc:
        for problem in exc.problems:
            print(f"{source}: {problem.field}: {problem.message}", file=sys.stderr)
        return EXIT_USAGE
    except Conflict:
        message = f"job_id {request.job_id} already exists with a different body; send a new job_id"
        print(message, file=sys.stderr)
        return EXIT_USAGE
    if job.status.finished:
        print(f"Job {request.job_id} already finished: {job.status.value}. {job.message}")
        return EXIT_OK if job.status is JobStatus.SUCCESS else EXIT_FAILED
    return _run_and_follow(services, request.job_id)


def _read_request(source: str) -> JobRequest | None:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        body = json.loads(text)
    except OSError as exc:
        print(f"{source}: cannot read the job file ({exc.strerror})", file=sys.stderr)
        return None
    except json.JSONDecodeError as exc:
        print(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", file=sys.stderr)
        return None
    try:
        return JobRequest.model_validate(body)
    except ValidationError as exc:
        # A message may quote a bad value, and the bad value may be the token itself.
        token = body.get("access_token") if isinstance(body, dict) else None
        redact = Redactor(token if isinstance(token, str) else None)
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "body"
            message = redact(str(error["msg"]).removeprefix("Value error, "))
            print(f"{source}: {field}: {message}", file=sys.stderr)
        return None


def _run_and_follow(services: Services, job_id: str) -> int:
    install_log_redaction()
    crashed: list[BaseException] = []
    thread = threading.Thread(
        target=_run_in_thread, args=(services, job_id, crashed), name="cli-job", daemon=True
    )
    thread.start()
    follower = _Follower(services, job_id, _ProgressDisplay(sys.stderr, sys.stdout))
    cancel_sent = False
    while True:
        try:
            job = follower.follow_until_finished(crashed)
            break
        except KeyboardInterrupt:
            if cancel_sent:
                print("\nStopped waiting; the job was asked to cancel.", file=sys.stderr)
                return EXIT_INTERRUPTED
            with suppress(JobCommandError):  # already finished: the follower sees how it ended
                cancel_job(services, job_id)
            cancel_sent = True
            print("\nCancelling… (Ctrl-C again to stop waiting)", file=sys.stderr)
    thread.join(timeout=5)
    follower.flush_logs()
    follower.display.close()
    if job is None:
        print(f"The job could not run: {crashed[0] if crashed else 'unknown error'}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{job.status.value}: {job.message}")
    return EXIT_OK if job.status is JobStatus.SUCCESS else EXIT_FAILED


def _run_in_thread(services: Services, job_id: str, crashed: list[BaseException]) -> None:
    try:
        runner.run_job(job_id, services.runner_deps(worker="cli"))
    except BaseException as exc:  # shown by the main thread, which owns the terminal
        crashed.append(exc)


class _Follower:
    def __init__(self, services: Services, job_id: str, display: _ProgressDisplay) -> None:
        self._store = services.store
        self._job_id = job_id
        self.display = display
        self._last_seq = 0

    def follow_until_finished(self, crashed: list[BaseException]) -> Job | None:
        """The finished job; None if the runner thread died without finishing it. A job the
        runner could not claim is being run by another worker: it is followed all the same."""
        while True:
            job = self._store.get_job(self._job_id)
            self.flush_logs()
            if job is None:
                return None
            if job.status.finished:
                self.display.bar(job.progress, job.message)
                return job
            if crashed:
                return None
            written = f" ({job.rows_written} rows written)" if job.rows_written else ""
            self.display.bar(job.progress, job.message + written)
            time.sleep(POLL_INTERVAL_S)

    def flush_logs(self) -> None:
        for line in self._store.get_logs(self._job_id, after_seq=self._last_seq):
            self.display.log(line)
            self._last_seq = line.seq


class _ProgressDisplay:
    """A plain-text bar on stderr: redrawn in place on a terminal, one line per change otherwise.
    Log lines go to stdout, so `run job.json > job.log` keeps the log and still shows the bar."""

    def __init__(self, err: TextIO, out: TextIO) -> None:
        self._err = err
        self._out = out
        self._tty = err.isatty()
        self._shown: tuple[int, str] | None = None

    def bar(self, percent: int, message: str) -> None:
        if self._shown == (percent, message):
            return
        self._shown = (percent, message)
        filled = round(percent * BAR_WIDTH / 100)
        text = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {message}"
        if self._tty:
            width = shutil.get_terminal_size().columns - 1
            self._err.write("\r\x1b[2K" + text[:width])
        else:
            self._err.write(text + "\n")
        self._err.flush()

    def log(self, line: LogLine) -> None:
        if self._tty and self._shown is not None:
            self._err.write("\r\x1b[2K")
            self._err.flush()
        self._out.write(f"{line.ts:%H:%M:%S} {line.level:<7} {line.message}\n")
        self._out.flush()
        if self._tty and self._shown is not None:
            percent, message = self._shown
            self._shown = None
            self.bar(percent, message)

    def close(self) -> None:
        if self._tty and self._shown is not None:
            self._err.write("\n")
            self._err.flush()
