"""`marketing-etl jobs` (the recent jobs as a table) and `marketing-etl prune` (expired history
deleted now rather than at the scheduler's next hourly pass)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from marketing_etl.cli_ops import Command, ServicesCommand, Subparsers
from marketing_etl.maintenance import prune_once
from marketing_etl.models import Job, JobFilter, JobStatus, utcnow
from marketing_etl.services import Services

EXIT_OK, EXIT_FAILED = 0, 1
MESSAGE_WIDTH = 60


def add_history_commands(sub: Subparsers, with_services: Callable[[ServicesCommand], Command]) -> None:
    jobs = sub.add_parser("jobs", help="list recent jobs")
    jobs.add_argument("--status", type=str.upper, choices=[s.value for s in JobStatus])
    jobs.add_argument("--limit", type=int, default=20, help="how many (default: 20)")
    jobs.set_defaults(command=with_services(_jobs))

    prune_help = "delete expired history now (the scheduler does it hourly)"
    prune = sub.add_parser("prune", help=prune_help, description=prune_help)
    prune.set_defaults(command=with_services(_prune))


def _jobs(services: Services, args: argparse.Namespace) -> int:
    status = JobStatus(args.status) if args.status else None
    jobs, total = services.store.list_jobs(JobFilter(status=status), 0, max(1, args.limit))
    if not jobs:
        print("No jobs yet." if status is None else f"No {status.value} jobs.")
        return EXIT_OK
    print(format_jobs_table(jobs))
    print(f"\n{len(jobs)} of {total} jobs")
    return EXIT_OK


def _prune(services: Services, args: argparse.Namespace) -> int:
    report = prune_once(services, utcnow())
    print(report.describe())
    return EXIT_OK if report.busy_holder is None else EXIT_FAILED


def format_jobs_table(jobs: Sequence[Job]) -> str:
    header = ("JOB_ID", "TASK_TYPE", "STATUS", "PROGRESS", "ROWS", "CREATED (UTC)", "MESSAGE")
    rows = [
        (
            job.job_id,
            job.spec.task_type,
            job.status.value,
            f"{job.progress}%",
            str(job.rows_written),
            f"{job.created_at:%Y-%m-%d %H:%M}",
            _truncate(job.message, MESSAGE_WIDTH),
        )
        for job in jobs
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right_aligned = {3, 4}
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in right_aligned else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _truncate(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
