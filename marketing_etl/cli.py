"""`marketing-etl`: serve the API and dashboard, run a Celery worker or the scheduler, run one
job; jobs and prune are in cli_history.py, cancel, retry, schedules and rotate-key in cli_ops.py.

Settings come from the environment and `.env` (get_settings); a bad setting is reported one line
per problem with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError

from marketing_etl import __version__
from marketing_etl.cli_history import add_history_commands
from marketing_etl.cli_migrate import add_migrate_command
from marketing_etl.cli_ops import ServicesCommand, add_operator_commands
from marketing_etl.log_setup import configure_logging
from marketing_etl.models import utcnow
from marketing_etl.sandbox.config import sandboxed
from marketing_etl.schedules.heartbeat import DEFAULT_PATH as HEARTBEAT_PATH
from marketing_etl.schedules.heartbeat import heartbeat_problem
from marketing_etl.services import Services
from marketing_etl.settings import Settings, get_settings
from marketing_etl.sources.facebook.versions import version_warning
from marketing_etl.wiring import build_executor, build_scheduler_executor, build_services

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SANDBOX_NOTICE = (
    "  SANDBOX: simulated Facebook, TikTok, Google Sheets and exchange-rate APIs, demo data only;\n"
    "           spreadsheets at {url}/sandbox/sheets (docs/sandbox.md: the tour, the magic tokens)"
)

Command = Callable[[Settings, argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "sandbox", False):
        # Through the environment, so the settings' own checks (and every child process) see it.
        os.environ["SANDBOX"] = "1"
        get_settings.cache_clear()
    try:
        settings = get_settings()
    except ValidationError as exc:
        print("marketing-etl: the configuration has problems:", file=sys.stderr)
        for line in settings_problems(exc):
            print(f"  {line}", file=sys.stderr)
        return EXIT_USAGE
    if settings.sandbox:
        # Every command's clients talk to the simulated APIs that `serve --sandbox` mounts.
        settings = sandboxed(settings)
    command: Command = args.command
    return command(settings, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marketing-etl", description="Facebook Ads / TikTok GMV reports into Google Sheets."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_installed_version()}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the API, the dashboard and (without Redis) the workers")
    serve.add_argument("--host", help="interface to listen on (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT or 8011)")
    serve.add_argument(
        "--sandbox", action="store_true", help="simulated Facebook, TikTok and Google APIs (sets SANDBOX=1)"
    )
    serve.set_defaults(command=_serve)

    worker = sub.add_parser("worker", help="run a Celery worker (needs REDIS_URL or REDIS_HOST)")
    worker.add_argument("--concurrency", type=int, help="jobs at once (default: MAX_CONCURRENT_JOBS)")
    worker.add_argument("--loglevel", help="debug, info, warning, error (default: LOG_LEVEL)")
    worker.set_defaults(command=_worker)

    run = sub.add_parser("run", help="run one job in the foreground from a create-job JSON body")
    run.add_argument("job_file", metavar="JOB.json", help="the create-job body; '-' reads stdin")
    run.set_defaults(command=_run)

    scheduler = sub.add_parser("scheduler", help="fire scheduled reports (serve has one built in)")
    scheduler.add_argument(
        "--check", action="store_true", help="exit 0 if a running scheduler ticked lately (a health check)"
    )
    scheduler.add_argument("--heartbeat-file", type=Path, default=HEARTBEAT_PATH, help=argparse.SUPPRESS)
    scheduler.set_defaults(command=_scheduler)

    add_history_commands(sub, _with_services)
    add_operator_commands(sub, _with_services)
    add_migrate_command(sub)
    return parser


def _installed_version() -> str:
    try:
        return metadata.version("marketing-etl")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return f"{__version__} (not installed)"


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per problem, naming the environment variable; input values are left out because
    they may be secrets."""
    lines = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
        lines.append(f"{name}: {str(error['msg']).removeprefix('Value error, ')}")
    return lines


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def _open_services(settings: Settings) -> Services | None:
    try:
        return build_services(settings)
    except Exception as exc:  # any driver's connection error: report it, not a traceback
        print(
            f"marketing-etl: cannot open the job store {redact_url(settings.resolved_database_url)}: "
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return None


def _with_services(handler: ServicesCommand) -> Command:
    def command(settings: Settings, args: argparse.Namespace) -> int:
        services = _open_services(settings)
        if services is None:
            return EXIT_FAILED
        try:
            return handler(services, args)
        finally:
            services.close()

    return command


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from marketing_etl.api.app import create_app

    settings = settings.model_copy(
        update={"host": args.host or settings.host, "port": args.port or settings.port}
    )
    if settings.sandbox:
        settings = sandboxed(settings)  # again: the simulated APIs live at this host and port
    configure_logging(settings)
    services = _open_services(settings)
    if services is None:
        return EXIT_FAILED
    try:
        executor = build_executor(services)
        app = create_app(settings, services=services, executor=executor)
        print(
            f"marketing-etl serving on http://{settings.host}:{settings.port} "
            "(dashboard at /dashboard, API docs at /docs)",
            flush=True,
        )
        print(f"  store:    {redact_url(settings.resolved_database_url)}", flush=True)
        print(f"  executor: {_describe_executor(settings)}", flush=True)
        if settings.sandbox:
            print(SANDBOX_NOTICE.format(url=f"http://{settings.host}:{settings.port}"), flush=True)
        warning = version_warning(settings.facebook_api_version, utcnow().date())
        if warning:
            print(f"  WARNING: {warning}", flush=True)
        # No log_config: uvicorn's lines go through configure_logging's handler, in LOG_FORMAT.
        uvicorn.run(
            app, host=settings.host, port=settings.port, log_config=None, log_level=settings.log_level.lower()
        )
    finally:
        services.close()
    return EXIT_OK


def _describe_executor(settings: Settings) -> str:
    if settings.resolved_executor == "celery":
        return f"celery, broker {redact_url(settings.broker_url or '')} (start workers: marketing-etl worker)"
    return f"local, up to {settings.max_concurrent_jobs} job(s) at once in this process"


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    if settings.broker_url is None:
        print(
            "marketing-etl worker: no Redis configured; set REDIS_URL "
            "(or REDIS_HOST, REDIS_PORT, REDIS_PASSWORD)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        from marketing_etl.celery_worker import (
            create_worker_app,
            install_graceful_handback,
            install_notification_delivery,
            use_log_format,
        )
    except ImportError as exc:
        print(
            f"marketing-etl worker: Celery is not installed ({exc}); install marketing-etl[celery]",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # Opened once here so a bad DATABASE_URL fails now, and tables exist before any child starts.
    services = _open_services(settings)
    if services is None:
        return EXIT_FAILED
    services.close()
    concurrency = args.concurrency or settings.max_concurrent_jobs
    install_graceful_handback()
    install_notification_delivery(settings)
    use_log_format(settings)
    # Mingle and gossip are worker-to-worker chatter; jobs are coordinated through the store.
    create_worker_app(settings).worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={args.loglevel or settings.log_level}",
            "--without-mingle",
            "--without-gossip",
        ]
    )
    return EXIT_OK


def _scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from marketing_etl.schedules.process import run_scheduler

    if args.check:
        problem = heartbeat_problem(args.heartbeat_file, settings.scheduler_interval_s)
        print(f"marketing-etl scheduler: {problem or 'alive'}", file=sys.stderr if problem else sys.stdout)
        return EXIT_FAILED if problem else EXIT_OK
    configure_logging(settings)
    services = _open_services(settings)
    if services is None:
        return EXIT_FAILED
    print(f"marketing-etl scheduler on {redact_url(settings.resolved_database_url)}", flush=True)
    try:
        run_scheduler(services, build_scheduler_executor(services), args.heartbeat_file)
    finally:
        services.close()
    return EXIT_OK


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from marketing_etl.cli_run import run_command

    return run_command(settings, args.job_file)


if __name__ == "__main__":
    sys.exit(main())
