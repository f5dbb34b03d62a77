"""The create-job fields target_currency and fx_rates through the real API: normalised when
valid, 422 naming the field otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.helpers import Api, fb_body, make_settings, running_api


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(make_settings(tmp_path_factory.mktemp("fx-fields"))) as running:
        yield running


def rejected(api: Api, **fields: Any) -> tuple[list[Any], str]:
    response = api.create(fb_body(**fields))
    assert response.status_code == 422, response.text
    [entry] = response.json()["detail"]
    return entry["loc"], entry["msg"]


def test_valid_fields_are_stored_normalised(api: Api) -> None:
    body = fb_body(target_currency=" vnd ", fx_rates={"usd/vnd": 25_400, "EUR/VND": "27000.5"})
    api.start(body)
    job = api.services.store.get_job(body["job_id"])
    assert job is not None
    assert job.spec.target_currency == "VND"
    assert {pair: str(rate) for pair, rate in job.spec.fx_rates.items()} == {
        "USD/VND": "25400", "EUR/VND": "27000.5",
    }


def test_an_unknown_currency_code_is_a_422_naming_the_field(api: Api) -> None:
    loc, message = rejected(api, target_currency="XYZ")
    assert loc == ["body", "target_currency"]
    assert "'XYZ' is not an ISO 4217 currency code" in message


@pytest.mark.parametrize(
    ("rates", "says"),
    [
        ({"USD-VND": 25_400}, "must look like USD/VND"),
        ({"USD/XYZ": 2}, "'XYZ' is not an ISO 4217"),
        ({"USD/USD": 2}, "converts a currency into itself"),
        ({"USD/VND": 0}, "must be a number above 0"),
        # Accepted until the job ran, which then failed with decimal.Overflow.
        ({"USD/VND": "1e999999999"}, "fx_rates: the rate for USD/VND is too large"),
        ({"usd/vnd": "1000000000000.01"}, "at most 1,000,000,000,000"),
        ({"USD/VND": "NaN"}, "finite number"),
        ({"USD/VND": "Infinity"}, "finite number"),
    ],
)
def test_a_bad_pinned_rate_is_a_422_naming_the_pair(api: Api, rates: dict[str, Any], says: str) -> None:
    loc, message = rejected(api, fx_rates=rates)
    assert loc[:2] == ["body", "fx_rates"]
    assert says in message


def test_the_largest_allowed_rate_is_accepted(api: Api) -> None:
    body = fb_body(target_currency="VND", fx_rates={"USD/VND": "1e12"})
    assert api.create(body).status_code == 200


def test_a_too_large_rate_stores_no_job(api: Api) -> None:
    body = fb_body(target_currency="VND", fx_rates={"USD/VND": "1e999999999"})
    assert api.create(body).status_code == 422
    assert api.services.store.get_job(body["job_id"]) is None
