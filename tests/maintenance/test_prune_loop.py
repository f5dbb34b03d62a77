"""Where pruning runs: beside the embedded scheduler of `serve`, in `marketing-etl scheduler`,
by hand with `marketing-etl prune`; and never two passes on one database at once."""

from __future__ import annotations

import threading
from pathlib import Path

from marketing_etl.contracts.pruning import PruneKind
from marketing_etl.maintenance import PruneReport, prune_once
from marketing_etl.models import utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.schedules.scheduler import start_embedded
from marketing_etl.services import Services
from marketing_etl.wiring import build_services, open_store
from tests.executors.support import Proc, make_settings, run_cli, subprocess_env, wait_until
from tests.maintenance.support import add_old_job
from tests.schedules.support import RecordingExecutor


def test_the_embedded_scheduler_prunes_at_start_then_once_per_interval(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path, prune_interval_s=3_600), Plugins())
    store = services.store
    add_old_job(store, "first")
    scheduler = start_embedded(services, RecordingExecutor())
    assert scheduler is not None
    try:
        wait_until(lambda: store.get_job("first") is None, 10, "the first pass", 0.05)
        add_old_job(store, "second")
        threading.Event().wait(1.0)
        assert store.get_job("second") is not None  # the next pass is an hour away
    finally:
        scheduler.stop()
        services.close()
    assert store_totals(tmp_path) == {PruneKind.JOBS: 1, PruneKind.LOGS: 1, PruneKind.API_CALLS: 1}


def store_totals(tmp_path: Path) -> dict[PruneKind, int]:
    store = open_store(make_settings(tmp_path).resolved_database_url)
    try:
        return store.pruning.pruned_totals()
    finally:
        store.close()


def test_two_schedulers_on_one_database_never_prune_at_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    one, two = build_services(settings, Plugins()), build_services(settings, Plugins())
    for n in range(10):
        add_old_job(one.store, f"old-{n}", calls=400)
    start = threading.Barrier(2)
    reports: list[PruneReport] = []

    def prune(services: Services) -> None:
        start.wait()
        reports.append(prune_once(services, utcnow(), batch_rows=100))

    try:
        threads = [threading.Thread(target=prune, args=(services,)) for services in (one, two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        one.close()
        two.close()
    ran = [report for report in reports if report.busy_holder is None]
    skipped = [report for report in reports if report.busy_holder is not None]
    assert (len(ran), len(skipped)) == (1, 1)
    assert skipped[0].busy_holder is not None and skipped[0].busy_holder.endswith(":prune")
    assert ran[0].deleted.rows == {PruneKind.JOBS: 10, PruneKind.LOGS: 10, PruneKind.API_CALLS: 4_000}
    assert skipped[0].deleted.total == 0


def test_the_scheduler_process_prunes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = open_store(make_settings(data_dir).resolved_database_url)
    try:
        add_old_job(store, "old")
    finally:
        store.close()
    env = subprocess_env(data_dir)
    process = Proc(["scheduler"], env, tmp_path, tmp_path / "scheduler.log")
    line = "pruned 1 jobs, 1 logs, 1 api_calls in "

    def pruned() -> bool:
        process.check_alive()
        return line in process.output()

    try:
        wait_until(pruned, 20, "a pruning pass", 0.1)
    finally:
        process.stop()


def test_prune_by_hand(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = open_store(make_settings(data_dir).resolved_database_url)
    try:
        add_old_job(store, "old", calls=3)
    finally:
        store.close()
    env = subprocess_env(data_dir, API_CALL_RETENTION_DAYS="0")

    done = run_cli(["prune"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("pruned 1 jobs, 1 logs, 3 api_calls in "), done.stdout

    again = run_cli(["prune"], env, tmp_path)
    assert again.stdout.startswith("pruned 0 jobs, 0 logs, 0 api_calls in "), again.stdout


def test_nonsense_retention_stops_the_start_naming_the_setting(tmp_path: Path) -> None:
    env = subprocess_env(tmp_path / "data", LOG_RETENTION_DAYS="-3", JOB_RETENTION_DAYS="a year")
    done = run_cli(["prune"], env, tmp_path)
    assert done.returncode == 2
    assert "LOG_RETENTION_DAYS: must be a number of days from 1 to 36500, or 0 to keep" in done.stderr
    assert "JOB_RETENTION_DAYS: Input should be a valid integer" in done.stderr
