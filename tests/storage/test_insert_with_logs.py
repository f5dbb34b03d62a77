"""Contract: a new job's token and first log lines are stored with it, or not at all."""

from __future__ import annotations

import pytest

from marketing_etl.contracts.store import Store
from marketing_etl.models import LogLine
from tests.storage.factory import T0, make_job


def lines(job_id: str, *messages: str) -> list[LogLine]:
    return [LogLine(job_id=job_id, ts=T0, message=message) for message in messages]


def test_first_lines_are_stored_with_the_job_from_seq_1(store: Store) -> None:
    assert store.insert_job(make_job("j"), b"cipher", lines("j", "Job accepted", "Second")) is True
    stored = store.get_logs("j")
    assert [(line.seq, line.message, line.ts) for line in stored] == [
        (1, "Job accepted", T0),
        (2, "Second", T0),
    ]
    assert store.get_token("j", T0) == b"cipher"


def test_later_lines_continue_after_the_first_ones(store: Store) -> None:
    store.insert_job(make_job("j"), None, lines("j", "Job accepted"))
    store.append_logs(lines("j", "Starting"))
    stored = [(line.seq, line.message) for line in store.get_logs("j")]
    assert stored == [(1, "Job accepted"), (2, "Starting")]


def test_a_duplicate_job_id_stores_neither_token_nor_lines(store: Store) -> None:
    assert store.insert_job(make_job("dup"), b"first", lines("dup", "Job accepted")) is True
    again = make_job("dup", spec={"sheet_name": "Other"})
    assert store.insert_job(again, b"second", lines("dup", "Job accepted again")) is False
    assert store.get_token("dup", T0) == b"first"
    assert [line.message for line in store.get_logs("dup")] == ["Job accepted"]
    assert store.get_job("dup") == make_job("dup")


def test_a_duplicate_of_a_job_whose_token_was_dropped_leaves_it_without_one(store: Store) -> None:
    store.insert_job(make_job("done"), b"first", lines("done", "Job accepted"))
    store.delete_token("done")  # as after a successful run
    assert store.insert_job(make_job("done"), b"second", lines("done", "Again")) is False
    assert store.get_token("done", T0) is None
    assert len(store.get_logs("done")) == 1


def test_lines_of_another_job_are_refused_and_nothing_is_stored(store: Store) -> None:
    with pytest.raises(ValueError, match="other"):
        store.insert_job(make_job("mine"), b"cipher", lines("other", "Not mine"))
    assert store.get_job("mine") is None
    assert store.get_token("mine", T0) is None
