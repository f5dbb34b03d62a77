"""The client factory: explicit timeouts, default headers, an injected transport, and one ApiCall
per request, masked through the job context."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from marketing_etl.context import JobContext
from marketing_etl.contracts.store import Store
from marketing_etl.http import Answer, NoAnswer, open_client
from tests.http.conftest import TOKEN, recorded

TIMEOUT = httpx.Timeout(12.0, connect=3.0)


@dataclass(frozen=True)
class Quota:
    """A platform's reading: usage figures parsed from the answer, and its error."""

    error: str | None
    usage: dict[str, Any] = field(default_factory=dict)


def read_quota(response: httpx.Response) -> Quota:
    used = float(response.headers.get("x-quota-used-pct", "0"))
    return Quota(None if response.is_success else response.text, {"quota_pct": used})


def test_the_client_is_built_as_asked_and_every_call_recorded(ctx: JobContext, store: Store) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        time.sleep(0.05)
        if request.url.path.endswith("/7001/stats"):
            return httpx.Response(200, headers={"x-quota-used-pct": "42.5"}, json={"ok": True})
        return httpx.Response(403, headers={"x-quota-used-pct": "43"}, text=f"token {TOKEN} is not allowed")

    api = open_client(
        ctx, "acme", base_url="https://api.acme.test/v2/", timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {TOKEN}"}, transport=httpx.MockTransport(answer),
    )
    with api:
        assert api.http.timeout == TIMEOUT
        good = api.send("GET", "accounts/7001/stats", read_quota, endpoint="/accounts/{id}/stats",
                        usage={"attempt": 1}, params={"day": "2026-10-01"})
        bad = api.send("POST", "accounts/7002/stats", read_quota, endpoint=f"/accounts/7002/stats?t={TOKEN}",
                       data={"metric": "spend"})

    assert good.usage == {"quota_pct": 42.5} and good.error is None
    assert bad.error == f"token {TOKEN} is not allowed"  # the platform sees its answer as it is
    assert [str(r.url) for r in seen] == [
        "https://api.acme.test/v2/accounts/7001/stats?day=2026-10-01",
        "https://api.acme.test/v2/accounts/7002/stats",
    ]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in seen)
    assert seen[1].content == b"metric=spend"

    first, second = recorded(store)
    assert (first.platform, first.endpoint, first.http_status, first.error) == (
        "acme", "/accounts/{id}/stats", 200, None
    )
    assert first.usage == {"attempt": 1, "quota_pct": 42.5}
    assert 50 <= first.duration_ms < 5_000
    assert second.http_status == 403 and second.usage == {"quota_pct": 43.0}
    # What is stored for the dashboard never holds the token.
    assert (second.endpoint, second.error) == ("/accounts/7002/stats?t=***", "token *** is not allowed")


def test_no_answer_is_recorded_and_raised_as_transient(ctx: JobContext, store: Store) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    api = open_client(ctx, "acme", timeout=TIMEOUT, transport=httpx.MockTransport(refuse))
    with api, pytest.raises(NoAnswer) as caught:
        api.send("GET", "https://api.acme.test/ping", read_quota, endpoint="/ping", usage={"attempt": 3})

    assert caught.value.user_message == "no answer (ConnectTimeout)"
    assert isinstance(caught.value.__cause__, httpx.ConnectTimeout)
    [call] = recorded(store)
    assert (call.endpoint, call.http_status, call.error, call.usage) == (
        "/ping", None, "no answer (ConnectTimeout)", {"attempt": 3}
    )


def test_a_reading_without_usage_records_none(ctx: JobContext, store: Store) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    with open_client(ctx, "fx", timeout=TIMEOUT, transport=transport) as api:
        answer = api.send("GET", "https://rates.test/usd.json", Answer, endpoint="GET rates.test/x")
    assert answer.response.status_code == 204
    [call] = recorded(store)
    assert (call.http_status, call.usage, call.error) == (204, {}, None)
