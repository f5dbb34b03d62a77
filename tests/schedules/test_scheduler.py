"""The scheduler with an injected clock on a real SQLite store: firing, catch-up, no double
firing across schedulers, idempotent retries, and firings that cannot become jobs."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from marketing_etl.models import JobStatus
from marketing_etl.schedules.scheduler import Scheduler
from tests.schedules.support import TOKEN, Clock, create, rig

# 06:00 in Ho Chi Minh City (UTC+7) is 23:00 UTC the day before.
SLOT_NOV_26 = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_nothing_fires_before_the_first_slot_then_one_job_per_slot(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        clock = Clock(SLOT_NOV_26 - timedelta(hours=2))
        schedule = create(r.services)  # created at the real time; aim its first slot
        r.services.store.schedules.update(schedule.schedule_id, None, clock.now, next_run_at=SLOT_NOV_26)
        scheduler = Scheduler(r.services, r.executor, clock=clock)
        assert scheduler.tick() == []
        clock.now = SLOT_NOV_26 + timedelta(seconds=5)
        fired = scheduler.tick()
        assert fired == [f"{schedule.schedule_id}.20261125T2300Z"]
        assert scheduler.tick() == []  # the same slot never fires twice
        assert r.executor.submitted == fired

        job = r.services.store.get_job(fired[0])
        assert job is not None and job.status is JobStatus.QUEUED
        # "yesterday" is the local yesterday: the firing is on 26 November in Ho Chi Minh City.
        assert (job.spec.start_date, job.spec.end_date) == (date(2026, 11, 25), date(2026, 11, 25))
        assert job.spec.task_id == "GMV daily" and job.spec.sheet_name == "GMV daily"
        assert r.services.vault.get(job.job_id, clock.now) == TOKEN
        logs = [line.message for line in r.services.store.get_logs(job.job_id)]
        assert any("Created by schedule 'GMV daily'" in line and "2026-11-26 06:00" in line for line in logs)

        stored = r.services.store.schedules.get(schedule.schedule_id)
        assert stored is not None
        assert stored.next_run_at == SLOT_NOV_26 + DAY
        assert (stored.last_slot_at, stored.last_job_id, stored.last_error) == (SLOT_NOV_26, fired[0], None)

        clock.now = SLOT_NOV_26 + DAY
        assert scheduler.tick() == [f"{schedule.schedule_id}.20261126T2300Z"]


def test_missed_firings_run_once_for_the_latest_slot(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        schedule = create(r.services)
        r.services.store.schedules.update(schedule.schedule_id, None, SLOT_NOV_26, next_run_at=SLOT_NOV_26)
        # The scheduler was down for three days and comes back mid-morning on the fourth.
        clock = Clock(SLOT_NOV_26 + 3 * DAY + timedelta(hours=3))
        fired = Scheduler(r.services, r.executor, clock=clock).tick()
        assert fired == [f"{schedule.schedule_id}.20261128T2300Z"]
        job = r.services.store.get_job(fired[0])
        assert job is not None and job.spec.start_date == date(2026, 11, 28)
        stored = r.services.store.schedules.get(schedule.schedule_id)
        assert stored is not None and stored.next_run_at == SLOT_NOV_26 + 4 * DAY


def test_two_schedulers_never_fire_a_slot_twice(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        store = r.services.store.schedules
        for name in ("One", "Two", "Three", "Four"):
            schedule = create(r.services, name=name)
            store.update(schedule.schedule_id, None, SLOT_NOV_26, next_run_at=SLOT_NOV_26)
        clock = Clock(SLOT_NOV_26 + timedelta(minutes=1))
        schedulers = [Scheduler(r.services, r.executor, clock=clock) for _ in range(3)]
        start = threading.Barrier(len(schedulers))
        fired: list[str] = []

        def tick(scheduler: Scheduler) -> None:
            start.wait()
            fired.extend(scheduler.tick())

        threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert len(fired) == 4 and len(set(fired)) == 4, fired
        assert sorted(r.executor.submitted) == sorted(fired)


def test_a_claimed_firing_without_a_job_is_retried_idempotently(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        schedule = create(r.services)
        store = r.services.store.schedules
        store.update(schedule.schedule_id, None, SLOT_NOV_26, next_run_at=SLOT_NOV_26)
        # A scheduler claimed the slot and died before creating the job.
        assert store.claim(schedule.schedule_id, SLOT_NOV_26, SLOT_NOV_26, SLOT_NOV_26 + DAY)
        clock = Clock(SLOT_NOV_26 + timedelta(minutes=2))
        scheduler = Scheduler(r.services, r.executor, clock=clock)
        assert scheduler.tick() == [f"{schedule.schedule_id}.20261125T2300Z"]
        # Had it died after creating the job but before recording it, the retry finds the job.
        store.claim(schedule.schedule_id, SLOT_NOV_26 + DAY, SLOT_NOV_26, SLOT_NOV_26 + DAY)
        assert scheduler.tick() == []
        assert store.pending() == []
        assert r.executor.submitted == [f"{schedule.schedule_id}.20261125T2300Z"]  # one job only


def test_a_firing_that_cannot_become_a_job_is_recorded_not_retried(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        schedule = create(r.services)
        store = r.services.store.schedules
        store.update(
            schedule.schedule_id, None, SLOT_NOV_26,
            next_run_at=SLOT_NOV_26, job={**schedule.job, "advertiser_id": None},
        )
        scheduler = Scheduler(r.services, r.executor, clock=Clock(SLOT_NOV_26 + timedelta(minutes=1)))
        assert scheduler.tick() == []
        stored = store.get(schedule.schedule_id)
        assert stored is not None and stored.last_job_id is None
        assert stored.last_error is not None and "advertiser_id" in stored.last_error
        assert scheduler.tick() == [] and store.pending() == []


def test_the_schedule_token_is_stored_encrypted(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        schedule = create(r.services)
        ciphertext = r.services.store.schedules.token(schedule.schedule_id)
        assert ciphertext is not None and TOKEN.encode() not in ciphertext
        assert r.services.vault.decrypt(ciphertext) == TOKEN
        assert "access_token" not in schedule.job
        engine = sa.create_engine(r.services.settings.resolved_database_url)
        with engine.connect() as conn:
            dumped = "\n".join(str(row) for row in conn.execute(sa.text("SELECT * FROM schedules")))
        engine.dispose()
        assert TOKEN not in dumped
