"""The small pure pieces: A1 notation, cell typing, serial dates, chunking, backoff, layouts."""

from __future__ import annotations

import itertools
import json
import random
from datetime import date, datetime
from decimal import Decimal

import pytest

from marketing_etl.destinations.cells import coerce
from marketing_etl.destinations.sheets.a1 import cell_range, column_letters, path_segment, quoted
from marketing_etl.destinations.sheets.batch import resize
from marketing_etl.destinations.sheets.chunks import BODY_OVERHEAD, group, values_body
from marketing_etl.destinations.sheets.encode import RowEncoder, serial
from marketing_etl.destinations.sheets.layout import Tab, append_layout, grid_size
from marketing_etl.destinations.sheets.retry import CAP_S, Retryable, classify
from marketing_etl.http import Backoff


@pytest.mark.parametrize(
    ("index", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (18_278, "ZZZ")]
)
def test_column_letters(index: int, letters: str) -> None:
    assert column_letters(index) == letters


def test_ranges_quote_titles_and_encode_for_the_path() -> None:
    assert quoted("Bob's") == "'Bob''s'"
    assert cell_range("Q3 2024", 2, 5001, 12) == "'Q3 2024'!A2:L5001"
    assert path_segment("'Report'!A1:C2") == "%27Report%27%21A1%3AC2"


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("1,234", "integer", 1234), (12.0, "integer", 12), ("3.5", "money", 3.5),
        (Decimal("2.25"), "money", 2.25), (float("nan"), "money", None), ("n/a", "money", "n/a"),
        (123456789012345678, "id", "123456789012345678"), ("2026-10-01T05:00:00", "date", date(2026, 10, 1)),
        ("2026-10-01T05:00:00+07:00", "datetime", datetime(2026, 10, 1, 5)), (0.3333, "percent", 0.3333),
        (None, "text", None), ("", "integer", None),
    ],
)
def test_coerce(value: object, kind: str, expected: object) -> None:
    assert coerce(value, kind) == expected


def test_serial_dates() -> None:
    assert serial(date(2024, 5, 1)) == 45413
    assert serial(datetime(2024, 5, 1, 12)) == 45413.5


def test_encoder_places_cells_and_quotes_text_only_with_formulas() -> None:
    raw = RowEncoder(["text", "integer"], [2, 0], 3)
    assert raw.value_input_option == "RAW"
    assert raw.encode(raw.typed(["=1+1", "7"])) == [7, None, "=1+1"]
    entered = RowEncoder(["text", "formula", "date"], [0, 1, 2], 3)
    assert entered.value_input_option == "USER_ENTERED"
    assert entered.encode(entered.typed(["=1+1", "=IMAGE(\"x\")", "2024-05-01"])) == [
        "'=1+1", "=IMAGE(\"x\")", 45413,
    ]


def test_chunks_stay_under_the_byte_limit_and_keep_every_row() -> None:
    lines = [json.dumps([i, "x" * (i % 50)]).encode() for i in range(500)]
    chunks = list(group(iter(lines), 2_000))
    rows = [row for chunk in chunks for row in json.loads(b"[" + chunk.values + b"]")]
    assert rows == [[i, "x" * (i % 50)] for i in range(500)]
    assert all(BODY_OVERHEAD + len(chunk.values) <= 2_000 for chunk in chunks)
    # Each chunk is as full as the limit allows: the next row would not have fitted.
    ends = list(itertools.accumulate(chunk.rows for chunk in chunks))
    assert all(
        BODY_OVERHEAD + len(chunk.values) + 1 + len(lines[end]) > 2_000
        for chunk, end in zip(chunks, ends[:-1], strict=False)
    )
    first_two = next(group(iter(lines[:2]), 2_000))
    body = json.loads(values_body("'T'!A2:B3", first_two.values, "RAW"))
    assert body == {"valueInputOption": "RAW", "includeValuesInResponse": False,
                    "data": [{"range": "'T'!A2:B3", "majorDimension": "ROWS", "values": [[0, ""], [1, "x"]]}]}


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    backoff, rng = Backoff(first_s=1.0, cap_s=CAP_S), random.Random(1)
    for failures, ceiling in [(1, 1), (4, 8), (11, 64)]:
        delay = backoff.pause_s(failures, rng)
        assert ceiling / 2 <= delay <= ceiling
    assert classify(Retryable("Google Sheets answered 429.", status=429, retry_after_s=30.0)).wait_s == 30.0


def test_append_layout_unites_headers_in_order() -> None:
    layout = append_layout(["date", "spend", "spend", "note"], 7, ["spend", "clicks", "spend", "date"])
    assert layout.header == ["date", "spend", "spend", "note", "clicks"]
    assert layout.positions == [1, 4, 2, 0]
    assert (layout.header_from, layout.start_row) == (4, 8)
    empty = append_layout([], 0, ["a"])
    assert (empty.header, empty.start_row, empty.header_from) == (["a"], 2, 0)


def test_grid_and_resize_order() -> None:
    tab = Tab(5, "T", 1000, 26)
    fresh = append_layout([], 0, ["a", "b"])
    assert grid_size(fresh, 10, tab, overwrite=True) == (11, 2)
    assert grid_size(fresh, 10, tab, overwrite=False) == (1000, 26)
    assert grid_size(fresh, 0, None, overwrite=True) == (2, 2)
    # Growing rows while shrinking columns: the columns go first, so no step exceeds the limit.
    steps = resize(tab, 200_000, 5)
    assert [next(iter(s["updateSheetProperties"]["properties"]["gridProperties"])) for s in steps] == [
        "columnCount", "rowCount",
    ]
