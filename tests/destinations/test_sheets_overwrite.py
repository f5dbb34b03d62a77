"""Overwrite mode: the tab ends up holding exactly the new header and rows, formatted."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from marketing_etl.destinations.sheets import SheetsOptions
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.google_grid import Formula
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from tests.destinations.conftest import EMAIL, SID, Env, make_env, table

COLUMNS = [
    ("campaign_id", "id"), ("campaign_name", "text"), ("date_start", "date"),
    ("created_time", "datetime"), ("impressions", "integer"), ("spend", "money"),
    ("roas", "ratio"), ("ctr_rate", "percent"), ("product_img", "formula"),
]
ROWS = [
    ["120210000000000001", "=Spring sale", "2026-10-01", "2026-10-01T12:00:00", "1234", 45.5, 2.25,
     0.3333, '=IMAGE("https://img.example/a.png")'],
    [120210000000000002, "Autumn", date(2026, 10, 2), datetime(2026, 10, 2, 6, 0), 7, "1,200.75", None,
     0.05, ""],
]


def test_overwrite_writes_typed_values_and_formats(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26), "Other": (10, 5)})
    job = env.run(env.queue(table(COLUMNS, ROWS), is_overwrite=True))
    assert job.status is JobStatus.SUCCESS, job.message
    assert job.rows_written == 2
    tab = book.tab("Report")
    assert job.destination_url == f"https://docs.google.com/spreadsheets/d/{SID}/edit#gid={tab.sheet_id}"
    assert (tab.rows, tab.cols, tab.frozen_rows) == (3, 9, 1)
    assert tab.values() == [
        [name for name, _ in COLUMNS],
        ["120210000000000001", "=Spring sale", 46296, 46296.5, 1234, 45.5, 2.25, 0.3333,
         Formula('=IMAGE("https://img.example/a.png")')],
        ["120210000000000002", "Autumn", 46297, 46297.25, 7, 1200.75, "", 0.05],
    ]
    # Numbers are numbers, the formula is a formula, a text starting with "=" is not.
    assert isinstance(tab.cell(1, 4), int) and isinstance(tab.cell(2, 5), float)
    patterns = [tab.format_at(5, c).get("numberFormat") for c in range(9)]
    assert patterns == [
        {"type": "TEXT", "pattern": "@"}, None, {"type": "DATE", "pattern": "yyyy-mm-dd"},
        {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm:ss"}, {"type": "NUMBER", "pattern": "#,##0"},
        {"type": "NUMBER", "pattern": "#,##0.00"}, {"type": "NUMBER", "pattern": "#,##0.00"},
        {"type": "PERCENT", "pattern": "0.00%"}, None,
    ]
    assert tab.format_at(0, 3)["textFormat"] == {"bold": True}
    assert book.tab("Other").rows == 10  # other tabs untouched
    # One read, one structure+format batch, one values batch.
    assert [c.kind for c in google.calls] == ["get", "batchUpdate", "values.batchUpdate"]
    recorded = env.services.store.get_api_calls(job.job_id)
    sheets_calls = [c.endpoint for c in recorded if c.platform == "sheets"]
    assert sheets_calls == [
        "GET /v4/spreadsheets/{id}", "POST /v4/spreadsheets/{id}:batchUpdate",
        "POST /v4/spreadsheets/{id}/values:batchUpdate",
    ]


def test_overwrite_shrinks_a_bigger_tab_and_drops_old_formats(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (500, 40)})
    old = book.tab("Report")
    for r in range(300):
        for c in range(40):
            old.put(r, c, f"old {r}/{c}")
    old.format_rules.append(((0, 500, 0, 40), {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}))
    job = env.run(env.queue(table([("n", "integer"), ("name", "text")], [[1, "a"], [2, "b"]]),
                            is_overwrite=True))
    assert job.status is JobStatus.SUCCESS, job.message
    tab = book.tab("Report")
    assert (tab.rows, tab.cols) == (3, 2)
    assert tab.values() == [["n", "name"], [1, "a"], [2, "b"]]
    assert tab.format_at(1, 1) == {}  # the old percent format is gone from the text column


def test_overwrite_creates_a_missing_tab(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL])
    job = env.run(env.queue(table([("n", "integer")], [[5]]), is_overwrite=True, sheet_name="New 'tab'"))
    assert job.status is JobStatus.SUCCESS, job.message
    tab = book.tab("New 'tab'")
    assert tab.values() == [["n"], [5]]
    assert (tab.rows, tab.cols, tab.frozen_rows) == (2, 1, 1)


def test_empty_report_leaves_only_the_header(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (20, 3)})
    book.tab("Report").put(5, 1, "stale")
    job = env.run(env.queue(table([("n", "integer")], []), is_overwrite=True))
    assert job.status is JobStatus.SUCCESS, job.message
    assert book.tab("Report").values() == [["n"]]
    assert job.rows_written == 0


@pytest.fixture
def chunked(tmp_path: Path, google_server: tuple[FakeGoogle, Path], google: FakeGoogle) -> Iterator[Env]:
    yield from make_env(tmp_path, google_server, SheetsOptions(chunk_bytes=2_000, backoff_base_s=0.01,
                                                               rng=random.Random(3)))


def test_large_report_goes_in_byte_sized_chunks_at_explicit_ranges(chunked: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL])
    rows = [[i, f"name {i}", i * 0.5] for i in range(400)]
    job = chunked.run(chunked.queue(table([("n", "integer"), ("name", "text"), ("v", "money")], rows),
                                    is_overwrite=True))
    assert job.status is JobStatus.SUCCESS, job.message
    assert book.tab("Report").values()[1:] == rows
    value_calls = [c for c in google.calls if c.kind == "values.batchUpdate"]
    assert len(value_calls) > 5
    assert all(c.body_bytes <= 2_000 for c in value_calls)
    assert job.rows_written == 400
