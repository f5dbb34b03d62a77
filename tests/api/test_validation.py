"""Create-job validation: one table of bodies, each either rejected naming its field or accepted
(and normalised); then the hook through which a source adds its own checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.job_spec import JobSpec
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings
from marketing_etl.validation import months_before
from tests.api.helpers import SPREADSHEET_ID, Api, fb_body, make_settings, running_api, today_utc, tt_body
from tests.plugins import MemoryDestination, ScriptedSource, register

TODAY = today_utc()
Check = Callable[[dict[str, Any]], None]


@dataclass
class Case:
    name: str
    body: dict[str, Any]
    rejects: str | None = None  # the field a 422 must name; None means the body is accepted
    says: str = ""  # a fragment the 422 message must contain
    check: Check | None = None  # what the accepted job must look like


def without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in names}


def expect(**values: Any) -> Check:
    def check(job: dict[str, Any]) -> None:
        for key, value in values.items():
            assert job[key] == value, (key, job[key])

    return check


def account_ids(*ids: str) -> Check:
    def check(job: dict[str, Any]) -> None:
        assert [account["id"] for account in job["accounts"]] == list(ids)

    return check


CASES = [
    # accepted, with normalisation
    Case("facebook ok", fb_body()),
    Case("tiktok ok", tt_body()),
    Case(
        "bare digit account ids",
        fb_body(accounts=[{"id": "123", "name": "A"}, {"id": 456}]),
        check=account_ids("act_123", "act_456"),
    ),
    Case(
        "accounts as plain strings", fb_body(accounts=["act_11", "22"]), check=account_ids("act_11", "act_22")
    ),
    Case("alias tiktok_product", tt_body(task_type="tiktok_product"), check=expect(task_type="product")),
    Case("alias tiktok_creative", tt_body(task_type="tiktok_creative"), check=expect(task_type="creative")),
    Case(
        "spreadsheet URL",
        fb_body(spreadsheet_id=f"https://docs.google.com/spreadsheets/d/{SPREADSHEET_ID}/edit#gid=0"),
        check=expect(spreadsheet_id=SPREADSHEET_ID),
    ),
    Case("end_date today+1 UTC", fb_body(start_date=str(TODAY), end_date=str(TODAY + timedelta(days=1)))),
    Case("37-month range", fb_body(start_date="2023-09-15", end_date="2026-10-15")),
    Case("37 months to a shorter month", fb_body(start_date="2023-07-31", end_date="2026-08-31")),
    Case("sheet_name 100 chars", fb_body(sheet_name="s" * 100), check=expect(sheet_name="s" * 100)),
    Case("csv destination needs no spreadsheet", without(fb_body(destination="csv"), "spreadsheet_id")),
    # rejected, naming the field
    Case(
        "end_date today+2 UTC",
        fb_body(end_date=str(TODAY + timedelta(days=2))),
        "end_date",
        f"the latest date with data is {TODAY + timedelta(days=1)}",
    ),
    Case(
        "start after end",
        fb_body(start_date="2026-10-08", end_date="2026-10-07"),
        "start_date",
        "after end_date",
    ),
    Case(
        "38-month range", fb_body(start_date="2023-08-15", end_date="2026-10-15"), "start_date", "37 months"
    ),
    Case("sheet_name 101 chars", fb_body(sheet_name="s" * 101), "sheet_name", "1-100"),
    Case("sheet_name with a newline", fb_body(sheet_name="Report\nMay"), "sheet_name", "line breaks"),
    Case("invalid email", fb_body(user_email="not-an-email"), "user_email"),
    Case("unknown task_type", fb_body(task_type="facebook_weekly"), "task_type", "facebook_daily, "),
    Case("tiktok without store_id", without(tt_body(), "store_id"), "store_id", "Seller Center"),
    Case("tiktok without advertiser_id", tt_body(advertiser_id=""), "advertiser_id", "required"),
    Case("tiktok non-numeric store_id", tt_body(store_id="shop-1"), "store_id", "numeric"),
    Case("facebook without template_name", without(fb_body(), "template_name"), "template_name", "required"),
    Case("facebook without accounts", fb_body(accounts=[]), "accounts", "at least one"),
    Case("facebook without access_token", without(fb_body(), "access_token"), "access_token", "Facebook"),
    Case("blank access_token", tt_body(access_token="  "), "access_token", "TikTok"),
    Case("duplicate accounts", fb_body(accounts=["act_5", "5"]), "accounts", "act_5 more than once"),
    Case("bad account id", fb_body(accounts=["acct-5"]), "accounts", "act_1234567890"),
    Case("no spreadsheet_id for sheets", without(fb_body(), "spreadsheet_id"), "spreadsheet_id", "URL"),
    Case("bad spreadsheet_id", fb_body(spreadsheet_id="abc"), "spreadsheet_id", "sheet's URL"),
    Case("job_id with a space", fb_body(job_id="my job"), "job_id", "no spaces"),
    Case("missing job_id", without(fb_body(), "job_id"), "job_id"),
    Case("bad date", fb_body(start_date="2026-13-01"), "start_date"),
    Case("start_date year 2", fb_body(start_date="0002-01-01"), "start_date", "from 2000-01-01 on"),
    # Used to reach the 37-month check, which built a date in year -1: a 500.
    Case(
        "end_date year 2",
        fb_body(start_date="0001-01-01", end_date="0002-01-01"),
        "end_date",
        "end_date 0002-01-01 is before 2000-01-01",
    ),
    Case("start_date 1999-12-31", fb_body(start_date="1999-12-31"), "start_date", "before 2000-01-01"),
    Case("start_date 2000-01-01", fb_body(start_date="2000-01-01", end_date="2002-12-31")),
]


@pytest.fixture(scope="module")
def table_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(make_settings(tmp_path_factory.mktemp("validation"))) as api:
        yield api


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_create_job_validation(table_api: Api, case: Case) -> None:
    response = table_api.create(case.body)
    if case.rejects is None:
        assert response.status_code == 200, response.text
        if case.check:
            case.check(table_api.job(case.body["job_id"]))
        return
    assert response.status_code == 422, response.text
    entries = [e for e in response.json()["detail"] if e["loc"][:2] == ["body", case.rejects]]
    assert entries, response.text
    assert any(case.says in e["msg"] for e in entries), response.text


def test_unknown_task_type_lists_the_known_ones(table_api: Api) -> None:
    response = table_api.create(fb_body(task_type="facebook_weekly"))
    message = response.json()["detail"][0]["msg"]
    for known in (
        "facebook_daily",
        "facebook_performance",
        "facebook_breakdown",
        "product",
        "creative",
        "tiktok_product",
        "tiktok_creative",
    ):
        assert known in message


def test_one_entry_per_field_with_all_problems(table_api: Api) -> None:
    body = without(tt_body(end_date=str(TODAY + timedelta(days=5))), "store_id", "advertiser_id")
    response = table_api.create(body)
    assert response.status_code == 422
    fields = [entry["loc"][1] for entry in response.json()["detail"]]
    assert sorted(fields) == ["advertiser_id", "end_date", "store_id"]


class CatalogSource(ScriptedSource):
    """A source with its own checks, like the Facebook template catalog."""

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return super().validate(spec, settings) + [
            FieldProblem("selected_fields", f"unknown field '{name}' for this template")
            for name in spec.selected_fields
            if name.startswith("bogus")
        ]


def test_validation_hook_of_the_source(tmp_path: Path) -> None:
    plugins = Plugins()
    register(plugins)
    plugins.sources.replace(CatalogSource("facebook", ("facebook_daily",)))
    with running_api(make_settings(tmp_path), plugins) as api:
        rejected = api.create(fb_body(selected_fields=["spend", "bogus_metric"]))
        assert rejected.status_code == 422
        [entry] = rejected.json()["detail"]
        assert entry["loc"] == ["body", "selected_fields"]
        assert "bogus_metric" in entry["msg"]

        # The platform's own required fields come from its hook.
        missing = api.create(without(fb_body(), "template_name"))
        [entry] = missing.json()["detail"]
        assert entry["loc"] == ["body", "template_name"]
        assert entry["msg"].startswith("template_name is required for facebook_daily reports")

        # A field the common rules already flagged keeps only the common message.
        twice = api.create(fb_body(selected_fields=["bogus_metric", "bogus_metric"]))
        [entry] = twice.json()["detail"]
        assert entry["msg"] == "selected_fields lists 'bogus_metric' more than once; send each field once"

        # Other task types' sources are not asked.
        other = fb_body(task_type="facebook_performance", selected_fields=["bogus"])
        assert api.create(other).status_code == 200
        assert api.create(fb_body(selected_fields=["spend"])).status_code == 200


class SetupCheckingDestination(MemoryDestination):
    """A destination that checks the server's setup, like the Google Sheets writer."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        self.seen.append((spec.job_id, str(settings.data_dir)))
        return [FieldProblem("destination", "no credentials on this server; configure them")]


def test_validation_hook_of_the_destination(tmp_path: Path) -> None:
    plugins = Plugins()
    register(plugins)
    checking = SetupCheckingDestination()
    plugins.destinations.register("sheets", checking)
    with running_api(make_settings(tmp_path), plugins) as api:
        body = fb_body()
        rejected = api.create(body)
        assert rejected.status_code == 422
        [entry] = rejected.json()["detail"]
        assert entry == {"loc": ["body", "destination"], "type": "value_error",
                         "msg": "no credentials on this server; configure them"}
        assert checking.seen == [(body["job_id"], str(tmp_path))]
        # Another destination's checks do not apply.
        assert api.create(without(fb_body(destination="xlsx"), "spreadsheet_id")).status_code == 200


def test_dates_before_2000_are_refused_naming_both_fields_and_nothing_is_stored(table_api: Api) -> None:
    body = fb_body(start_date="0001-01-01", end_date="0002-01-01")
    response = table_api.create(body)
    assert response.status_code == 422, response.text
    fields = {entry["loc"][1] for entry in response.json()["detail"]}
    assert fields == {"start_date", "end_date"}
    assert table_api.services.store.get_job(body["job_id"]) is None


def test_months_before_stops_at_the_first_date() -> None:
    assert months_before(date(2, 1, 1), 37) == date.min
    assert months_before(date(1, 1, 1), 1) == date.min
    assert months_before(date(2026, 10, 15), 37) == date(2023, 9, 15)


def test_stored_specs_from_before_the_bounds_still_load() -> None:
    # The date and rate bounds are on the request; a job stored before them must still be read.
    spec = JobSpec.model_validate(
        fb_body(start_date="1999-01-01", end_date="1999-01-31", fx_rates={"USD/VND": "1e20"})
    )
    assert spec.start_date == date(1999, 1, 1) and spec.fx_rates["USD/VND"] == Decimal("1e20")
