"""A third platform, installed as its own package, runs end to end with no edit elsewhere.

The package next to this file (pyproject.toml, acme_etl/) is built and installed for real into a
temporary directory, offline, so importlib.metadata finds its dist-info and its entry point; the
service then finds it through the `marketing_etl.plugins` group like any installed plugin. A job
sent over the API is checked by Acme's own rules, fetched from the fake Acme API through the
shared client factory (paged, throttled once), and written to a tab of the fake Google Sheets.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from marketing_etl.plugins import default_plugins
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from tests.api.helpers import DASH_AUTH, TOKEN, make_settings, new_job_id, running_api
from tests.fakes.google_sheets import serve_google
from tests.fakes.server import serve_app
from tests.third_platform.fake_acme import PAGE_SIZE, FakeAcme, expected_rows

PACKAGE_DIR = Path(__file__).parent
EMAIL = "report-writer@fake-project.iam.gserviceaccount.com"
SPREADSHEET_ID = "1AcmeSpreadsheet_0123456789abcdef"
START, END = date(2026, 10, 1), date(2026, 10, 4)
SHEETS_EPOCH = date(1899, 12, 30)


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin installed with pip into a directory of its own (built from a copy, so that no
    build output lands in the source tree)."""
    root = tmp_path_factory.mktemp("acme")
    source = root / "src"
    shutil.copytree(PACKAGE_DIR, source, ignore=shutil.ignore_patterns("__pycache__", "test_*", "fake_*"))
    site = root / "site"
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", "--disable-pip-version-check", "--target", str(site), str(source),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return site


@pytest.fixture
def installed(acme_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(acme_site))
    yield
    for name in [m for m in sys.modules if m == "acme_etl" or m.startswith("acme_etl.")]:
        del sys.modules[name]


@pytest.fixture
def acme(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAcme]:
    fake = FakeAcme(token=TOKEN)
    with serve_app(fake.app()) as base_url:
        monkeypatch.setenv("ACME_API_URL", base_url)
        yield fake


@pytest.fixture
def google(tmp_path: Path) -> Iterator[tuple[FakeGoogle, Path]]:
    fake = FakeGoogle()
    with serve_google(fake):
        key = fake.key_file(tmp_path, EMAIL)
        fake.add_spreadsheet(SPREADSHEET_ID, editors=[EMAIL])
        yield fake, key


def acme_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "task_type": "acme",
        "job_id": new_job_id("acme"),
        "access_token": TOKEN,
        "start_date": START.isoformat(),
        "end_date": END.isoformat(),
        "user_email": "marketer@example.com",
        "spreadsheet_id": SPREADSHEET_ID,
        "sheet_name": "Acme_Daily",
        "advertiser_id": "4242",
    }
    body.update(overrides)
    return body


def test_the_plugin_registers_through_the_entry_point_group(
    acme_site: Path, installed: None, acme: FakeAcme
) -> None:
    plugins = default_plugins()
    source = plugins.sources.get("acme_daily")
    assert type(source).__module__ == "acme_etl.source"
    assert plugins.sources.resolve("acme") == "acme_daily"
    assert plugins.sources.platform_of("acme_daily") == "acme"
    location = Path(str(importlib.metadata.distribution("acme-etl-plugin").locate_file("")))
    assert location == acme_site
    # The built-in platforms are found the same way, next to it (plugins load in name order).
    assert plugins.sources.task_types() == [
        "acme_daily", "facebook_daily", "facebook_performance", "facebook_breakdown", "product", "creative"
    ]


def test_an_acme_job_is_validated_fetched_and_written_to_a_tab(
    installed: None, acme: FakeAcme, google: tuple[FakeGoogle, Path], tmp_path: Path
) -> None:
    fake_google, key = google
    settings = make_settings(
        tmp_path, google_credentials_path=key, google_sheets_api_url=fake_google.base_url
    )
    with running_api(settings, default_plugins()) as api:
        missing = api.create(acme_body(advertiser_id=None))
        assert missing.status_code == 422
        assert missing.json()["detail"] == [
            {
                "loc": ["body", "advertiser_id"],
                "msg": "advertiser_id is required for Acme reports: send the advertiser number "
                "shown under Settings > Account in Acme Ads",
                "type": "value_error",
            }
        ]
        no_token = api.create(acme_body(access_token=""))
        assert no_token.json()["detail"][0]["msg"] == (
            "access_token or connection_id is required: send the Acme access token, "
            "or the id of a saved connection"
        )
        unknown = api.create(acme_body(task_type="acme_weekly"))
        assert unknown.json()["detail"][0]["msg"] == (
            "unknown task_type 'acme_weekly'; use one of acme_daily, facebook_daily, "
            "facebook_performance, facebook_breakdown, product, creative, acme, tiktok_product, "
            "tiktok_creative"
        )

        acme.throttle_next = 1
        body = acme_body()
        job_id = api.start(body)
        job = api.wait(job_id, timeout_s=30)
        assert (job["status"], job["task_type"]) == ("SUCCESS", "acme_daily"), job
        rows = expected_rows(START, END)
        assert job["rows_written"] == len(rows) == 8

        tab = fake_google.books[SPREADSHEET_ID].tab("Acme_Daily").values()
        assert tab[0] == ["date", "campaign", "spend", "clicks"]
        assert [row[1:] for row in tab[1:]] == [[name, spend, clicks] for _, name, spend, clicks in rows]
        assert tab[1][2] == 10.25 and tab[-1][2:] == [42.0, 13]
        # Dates are written as Sheets date serials (days since 1899-12-30) with a date format.
        assert [row[0] for row in tab[1:]] == [(date.fromisoformat(d) - SHEETS_EPOCH).days for d, *_ in rows]

        calls = [c for c in api.services.store.get_api_calls(job_id) if c.platform == "acme"]
        pages = -(-len(rows) // PAGE_SIZE)
        assert [(c.endpoint, c.http_status) for c in calls] == [
            ("/v1/reports/daily", 429), *[("/v1/reports/daily", 200)] * pages
        ]
        assert TOKEN not in str(acme.requests)  # the token went in a header, never a URL

        assert [r.get("page_token") for r in acme.requests] == [None, None, "3", "6"]
        counts = api.client.get("/api/dashboard", auth=DASH_AUTH).json()["counts_by_task_type"]
        assert counts["acme_daily"] == 1
