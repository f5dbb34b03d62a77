"""The create-job field limits on a real server: each field over its limit is a 422 naming the
field, the limit and the fix, and stores nothing; each at its limit is accepted. The same limits
bind the job body of a schedule and the retry body."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from marketing_etl.fx.currencies import ISO_4217
from marketing_etl.plugins import Plugins
from marketing_etl.sources.facebook import register as register_facebook
from marketing_etl.sources.facebook.catalog import find_template
from tests.api.helpers import DASH_AUTH, SPREADSHEET_ID, TOKEN, fb_body, make_settings, tt_body
from tests.api.served import Served, serving
from tests.plugins import HeldExecutor, MemoryDestination
from tests.schedules.support import job_body

URL = f"https://docs.google.com/spreadsheets/d/{SPREADSHEET_ID}/edit#gid=0&"
PAIRS = [f"USD/{code}" for code in sorted(ISO_4217 - {"USD"})]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    settings = make_settings(tmp_path_factory.mktemp("field-limits"), embedded_scheduler=False)
    with serving(settings) as running:
        yield running


def entries(response: Any, field: str) -> list[str]:
    assert response.status_code == 422, response.text
    return [e["msg"] for e in response.json()["detail"] if e["loc"][:2] == ["body", field]]


OVER: list[tuple[str, dict[str, Any], str, str]] = [
    # (field, body, what the message says about the limit, the field as the message names it)
    ("task_type", fb_body(task_type="f" * 33), "at most 32", "task_type"),
    ("job_id", fb_body(job_id="j" * 129), "1-128", "job_id"),
    ("task_id", fb_body(task_id="t" * 129), "at most 128", "task_id"),
    ("user_email", fb_body(user_email="a" * 243 + "@example.com"), "at most 254", "user_email"),
    (
        "spreadsheet_id",
        fb_body(spreadsheet_id=URL + "u" * (1001 - len(URL))),
        "at most 1,000",
        "spreadsheet_id",
    ),
    ("sheet_name", fb_body(sheet_name="s" * 101), "1-100", "sheet_name"),
    ("template_name", fb_body(template_name="rows=1;" + "x" * 94), "at most 100", "template_name"),
    ("advertiser_id", tt_body(advertiser_id="7" * 33), "at most 32", "advertiser_id"),
    ("store_id", tt_body(store_id="7" * 33), "at most 32", "store_id"),
    ("advertiser_name", tt_body(advertiser_name="n" * 257), "at most 256", "advertiser_name"),
    ("store_name", tt_body(store_name="n" * 257), "at most 256", "store_name"),
    ("target_currency", fb_body(target_currency="EURO"), "at most 3", "target_currency"),
    ("access_token", fb_body(access_token="t" * 4097), "at most 4,096", "access_token"),
    ("accounts", fb_body(accounts=[f"act_{n}" for n in range(1, 502)]), "at most 500", "accounts has 501"),
    ("accounts", fb_body(accounts=[{"id": "act_1", "name": "n" * 257}]), "at most 256", "accounts[0].name"),
    ("accounts", fb_body(accounts=["act_" + "1" * 29]), "at most 32", "accounts[0].id"),
    (
        "selected_fields",
        fb_body(selected_fields=[f"f{n}" for n in range(201)]),
        "at most 200",
        "selected_fields has 201",
    ),
    ("selected_fields", fb_body(selected_fields=["spend", "s" * 101]), "at most 100", "selected_fields[1]"),
    ("fx_rates", fb_body(fx_rates=dict.fromkeys(PAIRS[:51], 2)), "at most 50", "fx_rates has 51"),
    ("fx_rates", fb_body(fx_rates={"USD/" + "VND" * 5: 2}), "at most 16", "fx_rates"),
]


@pytest.mark.parametrize(("field", "body", "limit", "names"), OVER, ids=[f"{c[0]}-{c[3]}" for c in OVER])
def test_a_field_over_its_limit_is_a_422_and_stores_nothing(
    served: Served, field: str, body: dict[str, Any], limit: str, names: str
) -> None:
    response = served.http.post("/reports/create-job", json=body)
    [message] = entries(response, field)
    assert limit in message and names in message
    assert not served.stored(body["job_id"])


AT: list[tuple[str, dict[str, Any]]] = [
    ("task_id", fb_body(task_id="t" * 128)),
    ("spreadsheet_id", fb_body(spreadsheet_id=URL + "u" * (1000 - len(URL)))),
    ("template_name", fb_body(template_name="rows=1;" + "x" * 93)),
    ("advertiser_id", tt_body(advertiser_id="7" * 32, store_id="8" * 32)),
    ("names", tt_body(advertiser_name="n" * 256, store_name="m" * 256)),
    ("access_token", fb_body(access_token="t" * 4096)),
    ("accounts", fb_body(accounts=[{"id": f"act_{n}", "name": "n" * 256} for n in range(1, 501)])),
    ("selected_fields", fb_body(selected_fields=[f"{n:03d}" + "f" * 97 for n in range(200)])),
    ("fx_rates", fb_body(target_currency="VND", fx_rates=dict.fromkeys(PAIRS[:50], 2))),
]


@pytest.mark.parametrize(("field", "body"), AT, ids=[case[0] for case in AT])
def test_a_field_at_its_limit_is_accepted(served: Served, field: str, body: dict[str, Any]) -> None:
    response = served.http.post("/reports/create-job", json=body)
    assert response.status_code == 200, (field, response.text)
    assert served.stored(body["job_id"])


def test_duplicate_selected_fields_are_a_422(served: Served) -> None:
    body = fb_body(selected_fields=["spend", "impressions", "spend"])
    [message] = entries(served.http.post("/reports/create-job", json=body), "selected_fields")
    assert message == "selected_fields lists 'spend' more than once; send each field once"
    assert not served.stored(body["job_id"])

    many = fb_body(selected_fields=[f"f{n}" for n in range(12)] * 2)
    [message] = entries(served.http.post("/reports/create-job", json=many), "selected_fields")
    assert "'f0', 'f1'" in message and "'f9' and 2 more more than once" in message
    assert not served.stored(many["job_id"])


def test_a_schedule_job_body_has_the_same_limits(served: Served) -> None:
    schedule: dict[str, Any] = {"name": "GMV", "cron": "0 6 * * *", "date_range": "yesterday"}
    too_many = served.http.post("/schedules", json={**schedule, "job": job_body(selected_fields=["x"] * 201)})
    assert too_many.status_code == 422, too_many.text
    [entry] = too_many.json()["detail"]
    assert entry["loc"] == ["body", "job", "selected_fields"] and "at most 200" in entry["msg"]
    twice = served.http.post(
        "/schedules", json={**schedule, "job": job_body(selected_fields=["cost", "cost"])}
    )
    [entry] = twice.json()["detail"]
    assert entry["loc"] == ["body", "job", "selected_fields"] and "'cost' more than once" in entry["msg"]
    long_name = served.http.post("/schedules", json={**schedule, "job": job_body(store_name="n" * 257)})
    [entry] = long_name.json()["detail"]
    assert entry["loc"] == ["body", "job", "store_name"] and "at most 256" in entry["msg"]
    assert served.services.store.schedules.all() == []


def test_a_retry_token_over_its_limit_is_a_422(served: Served) -> None:
    body = fb_body(template_name="rows=1;fail=user")
    job_id = body["job_id"]
    assert served.http.post("/reports/create-job", json=body).status_code == 200
    wait_failed(served, job_id)
    for path in (f"/reports/{job_id}/retry", f"/api/dashboard/jobs/{job_id}/retry"):
        long_token = {"access_token": "t" * 4097}
        response = served.http.post(path, json=long_token, headers={"X-Dashboard": "1"}, auth=DASH_AUTH)
        [message] = entries(response, "access_token")
        assert "at most 4,096" in message and "t" * 50 not in response.text
    job = served.http.get(f"/reports/{job_id}").json()
    assert (job["status"], job["attempt"]) == ("FAILED", 1)
    retried = served.http.post(f"/reports/{job_id}/retry", json={"access_token": TOKEN})
    assert retried.status_code == 200 and retried.json()["attempt"] == 2


def wait_failed(served: Served, job_id: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while (status := served.http.get(f"/reports/{job_id}").json()["status"]) != "FAILED":
        assert time.monotonic() < deadline, f"job {job_id} still {status} after {timeout_s} s"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def facebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The real Facebook catalog; jobs are held, never run (no Graph API here)."""
    plugins = Plugins()
    register_facebook(plugins)
    plugins.destinations.register("sheets", MemoryDestination())
    settings = make_settings(tmp_path_factory.mktemp("facebook-limits"))
    with serving(settings, plugins, HeldExecutor()) as running:
        yield running


def test_selected_fields_at_most_the_templates_field_count(facebook: Served) -> None:
    template = find_template("Ad Daily Report")
    # The original's 49 fields and attribution_setting, selectable on every template since v25.
    assert template is not None and len(template.fields) == 50
    every = list(template.fields)
    over = fb_body(template_name=template.name, selected_fields=[*every, "Spend "])
    [message] = entries(facebook.http.post("/reports/create-job", json=over), "selected_fields")
    assert message.startswith(
        "selected_fields has 51 entries; the 'Ad Daily Report' template has 50 fields, so at most 50 "
        "— remove duplicates or unknown ones"
    )
    assert not facebook.stored(over["job_id"])
    at = fb_body(template_name=template.name, selected_fields=every)
    assert facebook.http.post("/reports/create-job", json=at).status_code == 200
    assert facebook.stored(at["job_id"])
