"""Contract: a job's log lines (store-assigned seqs, safe under concurrent appends) and API calls."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from marketing_etl.contracts.store import Store
from marketing_etl.models import ApiCall, LogLine
from tests.storage.factory import T0, make_job


def line(job_id: str, message: str, **fields: object) -> LogLine:
    return LogLine.model_validate({"job_id": job_id, "message": message, **fields})


def test_logs_get_increasing_seqs_in_append_order(store: Store) -> None:
    store.insert_job(make_job("j"))
    ts = datetime(2026, 3, 1, 9, 0, 0, 654321, tzinfo=UTC)
    store.append_logs([line("j", "one", ts=ts, level="WARNING", attempt=2), line("j", "two")])
    store.append_logs([line("j", "three", seq=99)])  # a caller's seq is ignored
    logs = store.get_logs("j")
    assert [(entry.seq, entry.message) for entry in logs] == [(1, "one"), (2, "two"), (3, "three")]
    first = logs[0]
    assert (first.level, first.attempt, first.job_id) == ("WARNING", 2, "j")
    assert first.ts == datetime(2026, 3, 1, 9, 0, 0, 654000, tzinfo=UTC)
    assert first.ts.utcoffset() == timedelta(0)


def test_get_logs_after_seq_and_limit(store: Store) -> None:
    store.insert_job(make_job("j"))
    store.append_logs([line("j", f"m{i}") for i in range(1, 8)])
    assert [entry.seq for entry in store.get_logs("j", after_seq=3)] == [4, 5, 6, 7]
    assert [entry.seq for entry in store.get_logs("j", after_seq=3, limit=2)] == [4, 5]
    assert [entry.message for entry in store.get_logs("j", limit=1)] == ["m1"]
    assert store.get_logs("j", after_seq=7) == []
    assert store.get_logs("j", limit=0) == []
    assert store.get_logs("unknown") == []


def test_seqs_are_per_job_and_a_batch_may_mix_jobs(store: Store) -> None:
    store.insert_job(make_job("a"))
    store.insert_job(make_job("b"))
    store.append_logs([line("a", "a1"), line("b", "b1"), line("a", "a2")])
    store.append_logs([line("b", "b2")])
    assert [(e.seq, e.message) for e in store.get_logs("a")] == [(1, "a1"), (2, "a2")]
    assert [(e.seq, e.message) for e in store.get_logs("b")] == [(1, "b1"), (2, "b2")]


def test_logging_for_an_unknown_job_fails_and_writes_nothing(store: Store) -> None:
    store.insert_job(make_job("a"))
    with pytest.raises(KeyError, match="ghost"):
        store.append_logs([line("ghost", "boo")])
    assert store.get_logs("ghost") == []


def test_concurrent_appends_to_one_job_lose_nothing_and_never_share_a_seq(store: Store) -> None:
    store.insert_job(make_job("busy"))
    writers, batches = 4, 15
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        barrier.wait()
        try:
            for batch in range(batches):
                store.append_logs([line("busy", f"w{writer} b{batch} {part}") for part in "xy"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    logs = store.get_logs("busy")
    assert [entry.seq for entry in logs] == list(range(1, writers * batches * 2 + 1))
    for writer in range(writers):
        own = [entry.message for entry in logs if entry.message.startswith(f"w{writer} ")]
        assert own == [f"w{writer} b{batch} {part}" for batch in range(batches) for part in "xy"]


def call(job_id: str, minute: int, **fields: object) -> ApiCall:
    values: dict[str, object] = {
        "job_id": job_id,
        "ts": T0 + timedelta(minutes=minute),
        "platform": "facebook",
        "endpoint": "act_1/insights",
        "http_status": 200,
        "duration_ms": 12.5,
    }
    values.update(fields)
    return ApiCall.model_validate(values)


def test_api_calls_round_trip(store: Store) -> None:
    usage = {
        "x-business-use-case-usage": {"act_1": [{"call_count": 28, "type": "ads_insights"}]},
        "pct": 28.5,
    }
    first = call("j", 0, usage=usage)
    failed = call(
        "j", 1, platform="tiktok", endpoint="gmv_max/report/get/", http_status=None, error="timeout"
    )
    store.record_api_calls([first, failed])
    store.record_api_calls([call("other", 2)])
    store.record_api_calls([])
    assert store.get_api_calls("j") == [first, failed]
    assert store.get_api_calls("none") == []
