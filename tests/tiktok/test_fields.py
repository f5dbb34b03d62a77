"""Cell typing, the create-job checks (ids, selected_fields), and the date windows."""

from __future__ import annotations

from datetime import date

import pytest

from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.job_spec import JobSpec
from marketing_etl.settings import Settings
from marketing_etl.sources.tiktok import TikTokReportSource
from marketing_etl.sources.tiktok.dates import Window, windows
from marketing_etl.sources.tiktok.fields import image_formula, to_cell

SETTINGS = Settings(_env_file=None)  # TikTok's checks do not depend on the server's setup


@pytest.mark.parametrize(
    ("kind", "raw", "cell"),
    [
        ("integer", "6674", 6674),
        ("money", "9387.58", 9387.58),
        ("money", "1,234.50", 1234.5),
        ("ratio", "4.59", 4.59),
        ("percent", "33.33", 0.3333),
        ("percent", "100.00", 1.0),
        ("money", "-", None),
        ("integer", "", None),
        ("text", "-", None),
        ("id", "1838000000000000001", "1838000000000000001"),
        ("money", "n/a", "n/a"),
        ("text", None, None),
    ],
)
def test_api_strings_become_typed_cells(kind: str, raw: str | None, cell: object) -> None:
    assert to_cell(kind, raw) == cell


def test_image_formula_escapes_quotes() -> None:
    assert image_formula('https://img.example/a"b.jpg') == '=IMAGE("https://img.example/a""b.jpg")'
    assert image_formula(None) is None


def _spec(task: str, fields: list[str]) -> JobSpec:
    return JobSpec(
        task_type=task,
        job_id="j",
        start_date=date(2026, 10, 1),
        end_date=date(2026, 10, 2),
        user_email="ana@example.com",
        sheet_name="S",
        advertiser_id="7001",
        store_id="8001",
        selected_fields=fields,
    )


def test_validate_names_unknown_and_repeated_fields() -> None:
    source = TikTokReportSource("product")
    assert source.validate(_spec("product", ["cost", "roi"]), SETTINGS) == []
    problems = source.validate(_spec("product", ["cost", "title", "spend", "cost"]), SETTINGS)
    assert [p.field for p in problems] == ["selected_fields", "selected_fields"]
    assert problems[0].message.startswith("TikTok product reports have no field(s) title, spend; choose from")
    assert problems[1] == FieldProblem("selected_fields", "selected_fields lists cost more than once")
    assert TikTokReportSource("creative").validate(_spec("creative", ["title", "video_url"]), SETTINGS) == []


def test_validate_requires_the_advertiser_and_the_store() -> None:
    spec = _spec("creative", []).model_copy(update={"advertiser_id": None, "store_id": None})
    problems = TikTokReportSource("creative").validate(spec, SETTINGS)
    assert problems == [
        FieldProblem(
            "advertiser_id",
            "advertiser_id is required for TikTok creative reports: "
            "send the numeric advertiser id from TikTok Ads Manager",
        ),
        FieldProblem(
            "store_id",
            "store_id is required for TikTok creative reports: "
            "send the numeric store id from TikTok Seller Center",
        ),
    ]


def test_windows_cover_the_range_in_chunks_the_api_accepts() -> None:
    assert windows(date(2026, 1, 1), date(2026, 1, 30), 30) == [Window(date(2026, 1, 1), date(2026, 1, 30))]
    assert windows(date(2026, 1, 1), date(2026, 3, 2), 30) == [
        Window(date(2026, 1, 1), date(2026, 1, 30)),
        Window(date(2026, 1, 31), date(2026, 3, 1)),
        Window(date(2026, 3, 2), date(2026, 3, 2)),
    ]
    assert len(windows(date(2025, 1, 1), date(2026, 1, 1), 365)) == 2


def test_the_installation_ships_both_tiktok_reports() -> None:
    from marketing_etl.plugins import default_plugins

    sources = default_plugins().sources
    assert isinstance(sources.get("product"), TikTokReportSource)
    assert isinstance(sources.get("creative"), TikTokReportSource)
    assert (sources.resolve("tiktok_product"), sources.resolve("tiktok_creative")) == ("product", "creative")
    assert sources.task_types_of("tiktok") == ["product", "creative"]
