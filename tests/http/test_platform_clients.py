"""Each platform's client run in process through `transport=` (httpx.MockTransport): the shared
factory and retry helper with the platform's own classifier and words."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from contextlib import closing
from datetime import date
from decimal import Decimal

import httpx
import pytest

from marketing_etl.context import JobContext
from marketing_etl.contracts.store import Store
from marketing_etl.errors import AccessDenied
from marketing_etl.fx.http_api import FxApiClient
from marketing_etl.http import Backoff
from marketing_etl.ratelimit import LocalBudget
from marketing_etl.sources.facebook.client import GraphClient
from marketing_etl.sources.facebook.throttle import FacebookTuning
from marketing_etl.sources.tiktok.client import TikTokClient
from tests.http.conftest import TOKEN, logs, recorded


def scripted(answers: list[httpx.Response], seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    return httpx.MockTransport(answer)


def envelope(code: int, message: str, data: Mapping[str, object] | None = None) -> httpx.Response:
    body = {"code": code, "message": message, "request_id": "r1", "data": data or {}}
    return httpx.Response(200, json=body)


def tiktok(ctx: JobContext, transport: httpx.MockTransport) -> TikTokClient:
    fast = Backoff(first_s=0.01, cap_s=0.02, max_attempts=4)
    return TikTokClient(ctx, LocalBudget(), retry=fast, transport=transport)


def test_tiktok_retries_its_throttle_and_fault_codes(ctx: JobContext, store: Store) -> None:
    seen: list[httpx.Request] = []
    stores = {"list": [{"store_id": "9001"}], "page_info": {"total_page": 1}}
    answers = [envelope(40100, "Too many requests"), envelope(50000, "System error")]
    answers.append(envelope(0, "OK", stores))
    with closing(tiktok(ctx, scripted(answers, seen))) as client:
        items = client.pages("/gmv_max/store/list/", {"advertiser_id": "7001", "filtering": {"ids": [1]}})

    assert items == [{"store_id": "9001"}]
    assert {r.url.path for r in seen} == {"/open_api/v1.3/gmv_max/store/list/"}
    assert seen[0].headers["access-token"] == TOKEN and TOKEN not in str(seen[0].url)
    assert seen[0].url.params["filtering"] == '{"ids":[1]}'
    assert [(c.endpoint, c.usage, c.error) for c in recorded(store)] == [
        ("/gmv_max/store/list/", {"attempt": 1, "code": 40100}, "code 40100: Too many requests"),
        ("/gmv_max/store/list/", {"attempt": 2, "code": 50000}, "code 50000: System error"),
        ("/gmv_max/store/list/", {"attempt": 3, "code": 0}, None),
    ]
    assert "TikTok is throttling /gmv_max/store/list/ (code 40100); retry 2 of 4 in" in logs(store)


def test_tiktok_auth_codes_are_fatal_at_once(ctx: JobContext, store: Store) -> None:
    seen: list[httpx.Request] = []
    answers = [envelope(40105, "The access token is invalid or has been revoked.")]
    client = tiktok(ctx, scripted(answers, seen))
    with closing(client), pytest.raises(AccessDenied, match="TikTok code 40105"):
        client.get("/gmv_max/store/list/", {"advertiser_id": "7001"})
    assert len(seen) == 1 and len(recorded(store)) == 1


def graph_throttle(eta_min: int) -> httpx.Response:
    buc = {"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": eta_min}
    usage = {"7001": [buc]}
    body = {"error": {"code": 80000, "error_subcode": 2446079, "message": "There have been too many calls"}}
    return httpx.Response(400, headers={"x-business-use-case-usage": json.dumps(usage)}, json=body)


def graph(ctx: JobContext, transport: httpx.MockTransport) -> GraphClient:
    return GraphClient(ctx, FacebookTuning(seconds_per_minute=0.05), concurrency=1, transport=transport)


def test_facebook_waits_for_the_eta_it_names(ctx: JobContext, store: Store) -> None:
    seen: list[httpx.Request] = []
    rows = httpx.Response(200, json={"data": [{"spend": "1.5"}]})
    client = graph(ctx, scripted([graph_throttle(2), rows], seen))
    try:
        body = client.get("act_7001/insights", {"fields": ["spend"], "level": "ad"}, account_id="act_7001")
    finally:
        client.close()

    assert body == {"data": [{"spend": "1.5"}]}
    version = ctx.settings.facebook_api_version
    assert [r.url.path for r in seen] == [f"/{version}/act_7001/insights"] * 2
    assert seen[0].url.params["fields"] == '["spend"]'
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    first, second = recorded(store)
    assert (first.http_status, second.http_status) == (400, 200)
    assert first.usage["estimated_time_to_regain_access_min"] == 2 and first.usage["account_id"] == "act_7001"
    assert "#80000/2446079" in (first.error or "")
    assert client.limiter.waited_s == pytest.approx(0.1, abs=0.02)  # two (scaled) minutes
    waiting = r"Waiting for the Facebook rate limit until \d\d:\d\d UTC \(ad account act_7001\)"
    assert re.search(waiting, logs(store))


def test_facebook_token_errors_are_fatal_at_once(ctx: JobContext, store: Store) -> None:
    seen: list[httpx.Request] = []
    expired = httpx.Response(400, json={"error": {"code": 190, "message": "Error validating access token"}})
    client = graph(ctx, scripted([expired], seen))
    try:
        with pytest.raises(AccessDenied, match="access token is invalid or expired"):
            client.get("act_7001", {"fields": "currency"}, account_id="act_7001")
    finally:
        client.close()
    assert len(seen) == 1


def test_fx_falls_back_to_its_mirror_when_the_first_url_keeps_failing(ctx: JobContext, store: Store) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "rates.test":
            return httpx.Response(429, headers={"retry-after": "0"})
        return httpx.Response(200, json={"date": "2026-10-01", "usd": {"vnd": 26310.5}})

    client = FxApiClient(
        ctx, "https://rates.test/{date}/{base}.json", "https://mirror.test/{date}/{base}.json",
        transport=httpx.MockTransport(answer),
    )
    try:
        quotes = client.quotes(date(2026, 10, 1), "USD")
    finally:
        client.close()

    assert quotes is not None and quotes.source == "fx-api-fallback"
    assert quotes.rates == {"VND": Decimal("26310.5")}
    assert [(c.endpoint, c.http_status) for c in recorded(store)] == [
        ("GET rates.test/{date}/{base}.json", 429),
        ("GET rates.test/{date}/{base}.json", 429),
        ("GET rates.test/{date}/{base}.json", 429),
        ("GET mirror.test/{date}/{base}.json", 200),
    ]
    assert "Exchange-rate API fx-api given up for this job: HTTP 429 for 2026-10-01 USD" in logs(store)
