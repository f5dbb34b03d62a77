"""Contract: API-call rollups (store.rollups), kept by record_api_calls, read by the dashboard and
/metrics; they stay when raw calls are deleted, and an upgraded database gets them rebuilt."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from marketing_etl.contracts.rollups import DAY_S, HOUR_S, CallCounters, bucket_start
from marketing_etl.contracts.store import Store
from marketing_etl.models import ApiCall
from marketing_etl.storage import mongo_rollups, sql_rollups_backfill
from marketing_etl.storage.rollup_rows import endpoint_template
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_schema import api_calls, create_engine
from marketing_etl.wiring import open_store
from tests.services import postgres_schema
from tests.storage.mongomock_client import mongomock_store
from tests.storage.rollup_calls import (
    ADS,
    ALL_TIME,
    BATCHES,
    DAILY,
    DAY_START,
    FB,
    HOURLY,
    INSIGHTS,
    LATEST,
    REPORT,
    SEED,
    TT,
    H,
    Points,
    bucket_rows,
    call,
    minutes,
    seed_calls,
)


def record_seed(store: Store) -> None:
    for batch in BATCHES:
        store.record_api_calls([SEED[name] for name in batch])


def timeline(store: Store, bucket_s: int, since: Any, platform: str | None = None) -> Points:
    """The store's timeline from `since` (None: from before the first seeded call) to after the
    last seeded call, as (bucket start, calls) for the buckets with calls."""
    first = since or H - timedelta(days=3)
    count = (bucket_start(LATEST, bucket_s) - bucket_start(first, bucket_s)) // timedelta(
        seconds=bucket_s
    ) + 1
    series = store.rollups.timeline(bucket_s, first, count, platform)
    assert all(len(counts) == count and any(counts) for counts in series.values())
    start = bucket_start(first, bucket_s)
    return {
        key: [(start + i * timedelta(seconds=bucket_s), n) for i, n in enumerate(counts) if n]
        for key, counts in series.items()
    }


def calls_in(points: Points) -> int:
    return sum(n for found in points.values() for _, n in found)


def per_endpoint(expected: dict[Any, CallCounters], since: Any = None) -> dict[tuple[str, str], CallCounters]:
    """What by_endpoint must answer: the expected rows from `since`'s bucket on, summed."""
    sums: dict[tuple[str, str], CallCounters] = {}
    for (start, platform, endpoint), counters in expected.items():
        if since is None or start >= since:
            sums.setdefault((platform, endpoint), CallCounters()).add(counters)
    return sums


def test_hourly_and_daily_counters_are_exact(store: Store) -> None:
    record_seed(store)
    assert timeline(store, HOUR_S, None) == bucket_rows(HOURLY)
    assert timeline(store, DAY_S, None) == bucket_rows(DAILY)
    assert store.rollups.by_endpoint(HOUR_S, None) == per_endpoint(HOURLY)
    assert store.rollups.by_endpoint(DAY_S, None) == per_endpoint(DAILY)
    assert store.rollups.by_platform(DAY_S, None) == ALL_TIME
    assert store.rollups.by_platform(HOUR_S, None) == ALL_TIME


def test_a_window_covers_the_bucket_containing_its_start(store: Store) -> None:
    record_seed(store)
    mid_hour = H + minutes(30)  # 09:30: the 09:00 bucket counts whole, 09:05 included
    assert timeline(store, HOUR_S, mid_hour) == bucket_rows(
        {key: c for key, c in HOURLY.items() if key[0] >= H}
    )
    assert timeline(store, HOUR_S, mid_hour, FB) == bucket_rows(
        {key: c for key, c in HOURLY.items() if key[0] >= H and key[1] == FB}
    )
    # Only Facebook has calls from 10:00 on.
    from_ten = per_endpoint(HOURLY, H + timedelta(hours=1))
    assert store.rollups.by_endpoint(HOUR_S, H + timedelta(hours=1, minutes=59), FB) == from_ten
    after_midnight = DAY_START + timedelta(days=1, hours=5)
    assert store.rollups.by_endpoint(DAY_S, after_midnight) == {(FB, ADS): CallCounters(calls=1, unknown=1)}
    assert store.rollups.by_platform(HOUR_S, H + minutes(61)) == {
        FB: CallCounters(
            calls=4, errors=1, wait_s=2.5, critical=2, unknown=2, max_load_pct=100, max_regain_min=3
        )
    }
    assert timeline(store, HOUR_S, H + timedelta(days=2)) == {}
    # Only the buckets asked for: the one containing `first`, and `count` in all.
    assert store.rollups.timeline(HOUR_S, H + minutes(59), 1, TT) == {(TT, REPORT): [2]}
    assert store.rollups.timeline(DAY_S, H, 1, FB) == {(FB, ADS): [1], (FB, INSIGHTS): [5]}
    assert store.rollups.by_platform(DAY_S, H + timedelta(days=2)) == {}


def test_an_empty_store_has_no_rollups(store: Store) -> None:
    store.record_api_calls([])
    assert timeline(store, HOUR_S, None) == {}
    assert store.rollups.by_endpoint(DAY_S, None) == {}
    assert store.rollups.by_platform(DAY_S, None) == {}


def test_rollups_stay_when_the_raw_calls_are_deleted(store: Store) -> None:
    record_seed(store)
    delete_raw_calls(store)
    assert store.get_api_calls("j") == []
    assert timeline(store, HOUR_S, None) == bucket_rows(HOURLY)
    assert store.rollups.by_platform(DAY_S, None) == ALL_TIME
    # New calls add to what is there.
    store.record_api_calls([SEED["tt-ok"]])
    assert store.rollups.by_platform(DAY_S, None)[TT] == CallCounters(calls=3, errors=1, unknown=3)


def test_concurrent_recording_counts_every_call(store: Store) -> None:
    threads, batches = 6, 20

    def work(worker: int) -> None:
        for n in range(batches):
            hour = timedelta(hours=(worker + n) % 3)
            store.record_api_calls(
                [
                    call(FB, INSIGHTS, hour, usage={"app_usage_pct": 96, "wait_s": 0.5}),
                    call(TT, REPORT, hour + minutes(1), 500),
                    call(FB, INSIGHTS, hour + minutes(2), usage={"account_usage_pct": 10 + n}),
                ][: 1 + n % 3]
            )

    run_together([partial(work, worker) for worker in range(threads)])
    sizes = [1 + n % 3 for n in range(batches)]
    fb_calls = threads * sum(1 + (size == 3) for size in sizes)
    tt_calls = threads * sum(size >= 2 for size in sizes)
    fb_critical = threads * batches
    assert store.rollups.by_platform(DAY_S, None) == {
        FB: CallCounters(
            calls=fb_calls,
            wait_s=0.5 * fb_critical,
            safe=fb_calls - fb_critical,
            critical=fb_critical,
            max_load_pct=96,
        ),
        TT: CallCounters(calls=tt_calls, errors=tt_calls, unknown=tt_calls),
    }
    hourly = store.rollups.by_platform(HOUR_S, None)
    assert (hourly[FB].calls, hourly[TT].calls) == (fb_calls, tt_calls)
    assert calls_in(timeline(store, HOUR_S, None)) == fb_calls + tt_calls


def test_buckets_are_utc_hours_and_days() -> None:
    local = datetime(2026, 3, 1, 1, 30, tzinfo=timezone(timedelta(hours=5)))  # 2026-02-28 20:30 UTC
    assert bucket_start(local, HOUR_S) == datetime(2026, 2, 28, 20, tzinfo=UTC)
    assert bucket_start(local, DAY_S) == datetime(2026, 2, 28, tzinfo=UTC)
    with pytest.raises(ValueError, match="bucket_s"):
        bucket_start(local, 60)


@pytest.mark.parametrize(
    ("endpoint", "template"),
    [
        ("/v25.0/act_339410370/insights", "/v25.0/act_{id}/insights"),
        ("/v25.0/act_339410370", "/v25.0/act_{id}"),
        ("/v25.0/6021948713/insights", "/v25.0/{id}/insights"),
        ("/v25.0/6021948713", "/v25.0/{id}"),
        ("/v25.0/", "/v25.0/"),
        ("/v25.0/act_12x/ads", "/v25.0/act_12x/ads"),
        ("/open_api/v1.3/gmv_max/report/get/", "/open_api/v1.3/gmv_max/report/get/"),
        ("values:append", "values:append"),
    ],
)
def test_calls_roll_up_under_their_endpoint_template(endpoint: str, template: str) -> None:
    assert endpoint_template(endpoint) == template


# backfill ---------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
    else:
        with postgres_schema() as url:
            yield url


def make_old_database(url: str, calls: list[ApiCall]) -> None:
    """A database as the version before rollups left it: raw api_calls only."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            api_calls.create(conn)
            conn.execute(sa.insert(api_calls), [c.model_dump() for c in calls])
    finally:
        engine.dispose()


def test_an_upgraded_database_gets_its_calls_rolled_up_once(
    sql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_rollups_backfill, "BATCH", 4)  # 11 calls: three batches
    make_old_database(sql_url, seed_calls())
    store = open_store(sql_url)  # init() rolls them up
    try:
        assert timeline(store, HOUR_S, None) == bucket_rows(HOURLY)
        assert store.rollups.by_endpoint(DAY_S, None) == per_endpoint(DAILY)
        assert store.rollups.by_platform(DAY_S, None) == ALL_TIME
        # Calls recorded after the upgrade are counted once, however often init() runs again.
        store.record_api_calls([SEED["tt-ok"]])
        store.init()
    finally:
        store.close()
    again = open_store(sql_url)
    try:
        assert again.rollups.by_platform(DAY_S, None)[TT] == CallCounters(calls=3, errors=1, unknown=3)
        assert again.rollups.by_platform(DAY_S, None)[FB] == ALL_TIME[FB]
    finally:
        again.close()


def test_processes_starting_together_share_the_backfill(
    sql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_rollups_backfill, "BATCH", 7)
    calls = [call(FB, INSIGHTS, minutes(n), usage={"app_usage_pct": n % 100}) for n in range(500)]
    make_old_database(sql_url, calls)
    stores = [SqlStore(sql_url) for _ in range(4)]  # four engines: four processes' connections
    try:
        run_together([store.init for store in stores])
        totals = stores[0].rollups.by_platform(DAY_S, None)[FB]
        assert (totals.calls, totals.safe, totals.warning, totals.critical) == (500, 375, 105, 20)
        assert calls_in(timeline(stores[1], HOUR_S, None)) == 500
    finally:
        for store in stores:
            store.close()


def test_mongo_rolls_up_calls_stored_by_the_older_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mongo_rollups, "BACKFILL_BATCH", 3)
    store = mongomock_store()
    try:
        store.record_api_calls([SEED["tt-ok"]])  # recorded by this version: counted already
        older: Any = store
        older._calls.insert_many(  # as the older version stored them: no ROLLED_UP
            [{**c.model_dump(), "ts": c.ts} for c in seed_calls() if c is not SEED["tt-ok"]]
        )
        older.rollups._state.delete_many({})  # a database this version never opened
        run_together([store.init, store.init, store.init])
        assert timeline(store, HOUR_S, None) == bucket_rows(HOURLY)
        assert store.rollups.by_platform(DAY_S, None) == ALL_TIME
        store.init()
        assert store.rollups.by_platform(DAY_S, None) == ALL_TIME
    finally:
        store.close()


# helpers ----------------------------------------------------------------------------------------


def run_together(tasks: list[Any]) -> None:
    """Run the callables in threads started together; re-raise the first failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(tasks))

    def run(task: Any) -> None:
        start.wait()
        try:
            task()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    if errors:
        raise errors[0]


def delete_raw_calls(store: Store) -> None:
    """What retention will do to old raw calls (another module's job): here all of them."""
    backend: Any = store
    if isinstance(store, SqlStore):
        with backend._engine.begin() as conn:
            conn.execute(sa.delete(api_calls))
    else:
        backend._calls.delete_many({})
