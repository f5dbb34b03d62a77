"""Operator commands: cancel or retry a job, list and steer schedules, re-encrypt stored tokens.

Each goes through the functions the API uses (jobs.py, api/job_actions.py, schedules/manage.py
and firing.py) and refuses in the API's words, with an exit status per kind of refusal:
3 where the API answers 404 (no such job or schedule), 4 where it answers 409 (the job's status
does not allow it), 2 where it answers 422 (e.g. a retry needs a new access token).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from marketing_etl.api.job_actions import cancel
from marketing_etl.job_errors import Invalid, JobCommandError, JobNotFound
from marketing_etl.jobs import retry_job
from marketing_etl.key_rotation import rotate_tokens
from marketing_etl.log_setup import configure_logging
from marketing_etl.models import utcnow
from marketing_etl.schedules import manage
from marketing_etl.schedules.model import Schedule
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_scheduler_executor

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_WRONG_STATE = 0, 1, 2, 3, 4
EXIT_CODES_HELP = (
    "exit status: 0 done, 1 failed, 2 invalid request, 3 no such job or schedule, "
    "4 the job's status does not allow it"
)

ServicesCommand = Callable[[Services, argparse.Namespace], int]
Command = Callable[[Settings, argparse.Namespace], int]
# A string: argparse's class cannot be subscripted at run time, only by the type checker.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_operator_commands(sub: Subparsers, with_services: Callable[[ServicesCommand], Command]) -> None:
    """`with_services` opens the store for a command and closes it after (cli.py owns that)."""
    cancel_cmd = _command(sub, "cancel", "cancel a QUEUED job, or stop a RUNNING one at its next check")
    cancel_cmd.add_argument("job_id", metavar="JOB_ID")
    cancel_cmd.set_defaults(command=with_services(_cancel))

    retry = _command(sub, "retry", "run a FAILED or CANCELLED job again, keeping what it wrote")
    retry.add_argument("job_id", metavar="JOB_ID")
    retry.add_argument(
        "--token-stdin",
        action="store_true",
        help="read a new access token from stdin (needed once the stored one was deleted)",
    )
    retry.set_defaults(command=with_services(_retry))

    rotate = _command(
        sub,
        "rotate-key",
        "re-encrypt every stored access token and schedule notification secret with the newest "
        "SECRET_KEY (the first of its keys)",
        "exit status: 0 done, 1 some cannot be read with any key (listed by job, schedule or "
        "connection id, and left in place)",
    )
    rotate.set_defaults(command=with_services(_rotate_key))

    schedules = _command(sub, "schedules", "list, pause, resume or run a schedule now", None)
    actions = schedules.add_subparsers(required=True, metavar="ACTION")
    _command(actions, "list", "every schedule with its next and latest firing", None).set_defaults(
        command=with_services(_list_schedules)
    )
    steering: Sequence[tuple[str, str, ServicesCommand]] = (
        ("pause", "no firings until resumed", _pause),
        ("resume", "fire again, from the next slot after now", _resume),
        ("run-now", "create the schedule's job now, as a firing at this minute", _run_now),
    )
    for name, help_text, handler in steering:
        action = _command(actions, name, help_text)
        action.add_argument("schedule_id", metavar="SCHEDULE_ID")
        action.set_defaults(command=with_services(handler))


def _command(
    sub: Subparsers, name: str, help_text: str, epilog: str | None = EXIT_CODES_HELP
) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help_text, description=help_text, epilog=epilog)


def _refused(command: str, exc: JobCommandError) -> int:
    print(f"marketing-etl {command}: {exc}", file=sys.stderr)
    if isinstance(exc, JobNotFound):
        return EXIT_NOT_FOUND
    return EXIT_USAGE if isinstance(exc, Invalid) else EXIT_WRONG_STATE


def _cancel(services: Services, args: argparse.Namespace) -> int:
    try:
        answer = cancel(services, args.job_id)
    except JobCommandError as exc:
        return _refused("cancel", exc)
    print(f"{answer.job_id}: {answer.job_status.value}: {answer.message}")
    return EXIT_OK


def _retry(services: Services, args: argparse.Namespace) -> int:
    token = None
    if args.token_stdin:
        # Never from the command line, where other users of the machine can read it.
        token = sys.stdin.readline().strip() or None
    executor = build_scheduler_executor(services)
    try:
        job = retry_job(services, executor, args.job_id, token)
    except JobCommandError as exc:
        if isinstance(exc, Invalid) and not args.token_stdin:
            print("  (send the new access token on stdin with --token-stdin)", file=sys.stderr)
        return _refused("retry", exc)
    finally:
        executor.shutdown()
    print(f"{job.job_id}: {job.status.value}: {job.message}")
    return EXIT_OK


def _rotate_key(services: Services, args: argparse.Namespace) -> int:
    rotation = rotate_tokens(services)
    print(rotation.describe())
    return EXIT_FAILED if rotation.unreadable else EXIT_OK


def _list_schedules(services: Services, args: argparse.Namespace) -> int:
    schedules = services.store.schedules.all()
    if not schedules:
        print("No schedules yet.")
        return EXIT_OK
    header = ("SCHEDULE_ID", "NAME", "CRON", "TIMEZONE", "STATE", "NEXT RUN (UTC)", "LATEST FIRING")
    print(_table([header, *(_schedule_row(schedule) for schedule in schedules)]))
    return EXIT_OK


def _schedule_row(schedule: Schedule) -> tuple[str, ...]:
    latest = schedule.last_error or (f"job {schedule.last_job_id}" if schedule.last_job_id else "-")
    return (
        schedule.schedule_id,
        schedule.name,
        schedule.cron,
        schedule.timezone,
        "enabled" if schedule.enabled else "paused",
        f"{schedule.next_run_at:%Y-%m-%d %H:%M}" if schedule.next_run_at else "-",
        latest,
    )


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _pause(services: Services, args: argparse.Namespace) -> int:
    return _set_enabled(services, args.schedule_id, enabled=False)


def _resume(services: Services, args: argparse.Namespace) -> int:
    return _set_enabled(services, args.schedule_id, enabled=True)


def _set_enabled(services: Services, schedule_id: str, *, enabled: bool) -> int:
    schedule = manage.set_enabled(services, schedule_id, enabled)
    if schedule is None:
        return _no_schedule("pause" if not enabled else "resume", schedule_id)
    if schedule.next_run_at is None:
        print(f"{schedule_id}: paused; no firings until resumed")
    else:
        print(f"{schedule_id}: enabled; next firing {schedule.next_run_at:%Y-%m-%d %H:%M} UTC")
    return EXIT_OK


def _run_now(services: Services, args: argparse.Namespace) -> int:
    schedule = services.store.schedules.get(args.schedule_id)
    if schedule is None:
        return _no_schedule("run-now", args.schedule_id)
    configure_logging(services.settings)
    executor = build_scheduler_executor(services)
    try:
        ran = manage.run_now(services, executor, schedule, utcnow())
    finally:
        executor.shutdown()
    if ran.problem is not None:
        print(
            f"marketing-etl schedules run-now: {schedule.schedule_id} created no job: {ran.problem}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if ran.created:
        print(f"{schedule.schedule_id}: created job {ran.job_id}")
    else:
        print(f"{schedule.schedule_id}: job {ran.job_id} was already created for this minute")
    return EXIT_OK


def _no_schedule(action: str, schedule_id: str) -> int:
    # The API's 404 wording (api/routes_schedules.py).
    print(f"marketing-etl schedules {action}: No schedule with id '{schedule_id}'.", file=sys.stderr)
    return EXIT_NOT_FOUND
