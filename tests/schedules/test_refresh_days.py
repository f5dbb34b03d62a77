"""The refresh_days option: its bounds and the combinations it refuses (each a 422 naming the
field and the fix), a schedule carrying it to every firing, the source checks of the days and
columns a refreshed row is matched on, and the sandbox's settling purchases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from marketing_etl.job_spec import JobSpec
from marketing_etl.sandbox.demo_data import facebook_world
from marketing_etl.sandbox.fakes.facebook_delivery import STAT_KEYS
from marketing_etl.schedules.model import firing_request
from marketing_etl.sources.facebook.checks import job_problems as facebook_problems
from marketing_etl.sources.tiktok.fields import job_problems as tiktok_problems
from tests.api.helpers import Api, fb_body, make_settings, running_api
from tests.schedules.support import job_body
from tests.schedules.test_api import body, errors


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = make_settings(tmp_path_factory.mktemp("refresh"), embedded_scheduler=False)
    with running_api(settings) as running:
        yield running


def problem(api: Api, **fields: Any) -> str:
    response = api.create(fb_body(**fields))
    assert response.status_code == 422, response.text
    found = [e["msg"] for e in response.json()["detail"] if e["loc"][:2] == ["body", "refresh_days"]]
    assert len(found) == 1, response.text
    return str(found[0])


@pytest.mark.parametrize("value", [-1, 29])
def test_refresh_days_out_of_bounds_names_the_range(api: Api, value: int) -> None:
    assert "refresh_days must be a whole number from 0 to 28" in problem(api, refresh_days=value)


def test_refresh_days_with_overwrite_or_a_file_is_refused_with_the_fix(api: Api) -> None:
    overwrite = problem(api, refresh_days=7, is_overwrite=True)
    assert "is_overwrite true already rewrites the whole tab" in overwrite
    assert "send refresh_days 0" in overwrite
    csv = problem(api, refresh_days=7, destination="csv")
    assert "a csv file holds one job's rows only" in csv


def test_refresh_days_is_part_of_the_job_identity(api: Api) -> None:
    plain = fb_body(job_id="refresh-identity")
    assert api.create(plain).status_code == 200
    again = api.create({**plain, "refresh_days": 7})
    assert again.status_code == 409, again.text
    assert api.job("refresh-identity")["job_id"] == "refresh-identity"


def test_a_schedule_carries_refresh_days_to_each_firing(api: Api) -> None:
    created = api.client.post("/schedules", json=body(date_range="yesterday", job=job_body(refresh_days=7)))
    assert created.status_code == 201, created.text
    schedule = api.services.store.schedules.get(created.json()["schedule_id"])
    assert schedule is not None and schedule.job["refresh_days"] == 7

    request = firing_request(schedule, datetime(2026, 10, 9, 0, 0, tzinfo=UTC), "token")

    assert (request.start_date, request.end_date, request.refresh_days) == (date(2026, 10, 8),) * 2 + (7,)
    assert request.spec().fetch_start_date == date(2026, 10, 1)


def test_a_schedule_with_refresh_days_out_of_bounds_names_the_job_field(api: Api) -> None:
    response = api.client.post("/schedules", json=body(job=job_body(refresh_days=40)))
    assert "refresh_days must be a whole number from 0 to 28" in errors(response)["job.refresh_days"]


def spec(**fields: Any) -> JobSpec:
    values: dict[str, Any] = {
        "job_id": "checks",
        "start_date": "2026-10-08",
        "end_date": "2026-10-08",
        "refresh_days": 7,
        "user_email": "ana@example.com",
        "sheet_name": "Report",
        **fields,
    }
    return JobSpec.model_validate(values)


def facebook(**fields: Any) -> list[tuple[str, str]]:
    found = facebook_problems(
        spec(task_type="facebook_daily", accounts=["act_1"], **fields), date(2026, 10, 9)
    )
    return [(p.field, p.message) for p in found]


def test_facebook_refreshes_daily_templates_with_their_key_columns() -> None:
    assert facebook(template_name="Ad Daily Report") == []
    assert facebook(template_name="Ad Daily Report", selected_fields=["date_start", "id", "spend"]) == []
    [(field, message)] = facebook(template_name="Ad Performance Report")
    assert field == "refresh_days" and "its rows add up the whole date range" in message
    [(field, message)] = facebook(
        template_name="AGE & GENDER_DETAILED_REPORT", selected_fields=["id", "spend"]
    )
    assert field == "selected_fields"
    assert "matches rows on date_start, id, age, gender; add date_start, age, gender" in message


def tiktok(task: str, **fields: Any) -> list[tuple[str, str]]:
    found = tiktok_problems(task, spec(task_type=task, advertiser_id="7001", store_id="8001", **fields))
    return [(p.field, p.message) for p in found]


def test_tiktok_refreshes_product_rows_only() -> None:
    assert tiktok("product") == []
    [(field, message)] = tiktok("product", selected_fields=["stat_time_day", "orders"])
    assert field == "selected_fields" and "add campaign_id, item_group_id" in message
    [(field, message)] = tiktok("creative")
    assert field == "refresh_days" and "use the product report" in message


def test_the_sandbox_accounts_purchases_settle_over_a_week() -> None:
    """What a refresh_days schedule in the sandbox shows: yesterday's purchases, read again a week
    later, have grown; a day older than SETTLING_DAYS no longer changes."""
    day = date(2026, 10, 8)
    pixel_purchases = STAT_KEYS.index("pixel_purchase")

    def purchases(today: date, of: date) -> int:
        world = facebook_world(today=lambda: today)
        ads = [ad.id for account in world.accounts.values() for ad in account.ads]
        return sum((world.stats(ad, of, ()) or [0] * len(STAT_KEYS))[pixel_purchases] for ad in ads)

    next_day, week_later = purchases(day + timedelta(days=1), day), purchases(day + timedelta(days=7), day)
    assert next_day < week_later
    assert week_later == purchases(day + timedelta(days=30), day)
