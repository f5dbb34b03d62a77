"""A fake Graph API (Marketing API) over real HTTP, for the Facebook source's tests and benchmark.

Serves /vNN.0/act_X/insights (GET sync with cursor paging; POST -> async report run), the run's
status and result pages, node reads and ?ids= multi-reads with field expansion, with the usage
headers on every response (errors included). Faults are injected per test: throttling with an
ETA, transient 500/503, an invalid token, "reduce the amount of data", a forbidden account, a
paging cursor that repeats, failing report runs. `max_rows` makes any bigger request fail the way
Facebook's data-per-call limit does. API versions older than `oldest_served` answer #2635, as
retired versions do (v24.0 and older since 2026-11-10). Use:
`with serve_app(FakeGraph(World()).app) as url: ...`.
`load` (facebook_load.py) meters the requests in flight and can make the usage climb with the
calls, served as JSON at /fake-stats for a fake in another process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from marketing_etl.sandbox.fakes.facebook_insights import Key, Query, ordered_groups, query_problem, render
from marketing_etl.sandbox.fakes.facebook_load import LoadMeter
from marketing_etl.sandbox.fakes.facebook_objects import ObjectError, read_ids, read_node
from marketing_etl.sandbox.fakes.facebook_rules import FakeRules, Refused
from marketing_etl.sandbox.fakes.facebook_world import Stats, World

TOKEN = "EAAB-fake-graph-token-0123456789"
OLDEST_SERVED = 25  # Meta's oldest Marketing API version still answering, December 2026
NEWEST_VERSION = "v27.0"
ASYNC_STATES = ("Job Not Started", "Job Started", "Job Running")
ANSWER_FAULTS = frozenset(
    {"throttle", "app_throttle", "transient", "unavailable", "token", "reduce", "forbidden"}
)


@dataclass
class Fault:
    kind: (
        # throttle, app_throttle, transient, unavailable, token, reduce, forbidden, loop_cursor,
        # and for report runs (RUN_FAILURES) run_fail, run_intermittent, run_invalid
        str
    )
    path: str = ""  # the request path must contain this
    method: str | None = None
    times: int = 1
    eta_minutes: int = 0


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]


# A failed report run's v25 error fields (error_code is a signed int since v25.0).
RUN_FAILURES: dict[str, dict[str, Any]] = {
    "run_fail": {
        "error_code": -2,
        "error_subcode": 2490547,
        "error_message": "Generating the report failed. Try again later.",
        "error_user_title": "Report Failed",
        "error_user_msg": "Generating the report failed. Try again later.",
    },
    "run_intermittent": {
        "error_code": 2,
        "error_subcode": 1504043,
        "error_message": "An intermittent error occurred. Please retry later.",
        "error_user_title": "Intermittent Error",
        "error_user_msg": (
            "There was an intermittent error while processing your request. Please retry later."
        ),
    },
    "run_invalid": {
        "error_code": 2,
        "error_subcode": 1504041,
        "error_message": "Invalid breakdowns.",
        "error_user_title": "Invalid Breakdowns",
        "error_user_msg": "There is no data for this combination of metrics and breakdowns.",
    },
}


@dataclass
class Run:
    account_id: str
    query: Query
    error: dict[str, Any] | None  # the failure it ends in; None: it completes
    polls: int = 0


@dataclass
class FakeGraph:
    world: World
    latency_s: float = 0.0
    usage_pct: float = 3.0
    max_rows: int | None = None
    polls_to_complete: int = 2
    oldest_served: int = OLDEST_SERVED
    # Meta renamed the tiers in 2026 (standard -> limited, advanced -> full); either name may come.
    access_tier: str = "standard_access"
    forbidden_accounts: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    load: LoadMeter = field(default_factory=LoadMeter)
    runs: dict[str, Run] = field(default_factory=dict)
    # Benchmarks only: answer a repeated GET from its encoded body, so that the fake's own CPU
    # (rendering and encoding rows) does not add to the latency being simulated.
    cache_responses: bool = False
    _encoded: dict[str, tuple[int, bytes, int]] = field(default_factory=dict)
    _results: dict[str, list[tuple[Key, Stats]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    rules: FakeRules = field(init=False)  # Meta's data rules of 2025-2026 (facebook_rules.py)

    def __post_init__(self) -> None:
        self.rules = FakeRules(self.world)

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/fake-stats", self._stats),
                Route("/{version}", self._handle, methods=["GET", "POST"]),
                Route("/{version}/{path:path}", self._handle, methods=["GET", "POST"]),
            ]
        )

    def inject(
        self, kind: str, *, path: str = "", method: str | None = None, times: int = 1, eta_minutes: int = 0
    ) -> None:
        self.faults.append(Fault(kind, path, method, times, eta_minutes))

    def calls(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method) and contains in r.path]

    def reset(self) -> None:
        self.faults.clear()
        self.requests.clear()
        self.load.reset()
        self.runs.clear()
        self._results.clear()
        self.forbidden_accounts.clear()
        self.latency_s, self.usage_pct, self.max_rows, self.polls_to_complete = 0.0, 3.0, None, 2
        self.oldest_served, self.access_tier = OLDEST_SERVED, "standard_access"
        self.rules.reset()

    async def _handle(self, request: Request) -> Response:
        started = time.monotonic()
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(parse_qsl((await request.body()).decode()))
        token = params.pop("access_token", None) or request.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        path = request.path_params.get("path", "").strip("/")
        self.requests.append(Recorded(request.method, path, params))
        usage = self.load.arrive(started, self.usage_pct)
        try:
            account = self._account_for(path, params)
            response = self._respond(request, path, params, token, account, usage)
            # Every answer takes latency_s in all, the fake's own work included (as a remote
            # server's would).
            await asyncio.sleep(max(0.0, self.latency_s - (time.monotonic() - started)))
            return response
        finally:
            self.load.leave()

    async def _stats(self, request: Request) -> Response:
        return JSONResponse({"requests": len(self.requests), **self.load.as_json()})

    def _respond(
        self,
        request: Request,
        path: str,
        params: dict[str, str],
        token: str,
        account: str | None,
        usage_pct: float,
    ) -> Response:
        key = json.dumps([request.method, path, sorted(params.items()), token])
        cached = self._encoded.get(key) if self.cache_responses else None
        if cached is None:
            status, body, eta = self._answer(request, path, params, token, account)
            cached = (status, bytes(JSONResponse(body).body), eta)
            if self.cache_responses and status == 200 and request.method == "GET" and path not in self.runs:
                self._encoded[key] = cached
        status, content, eta = cached
        headers = self._usage_headers(path, account, eta, usage_pct)
        return Response(content, status_code=status, media_type="application/json", headers=headers)

    def _answer(
        self, request: Request, path: str, params: dict[str, str], token: str, account: str | None
    ) -> tuple[int, Any, int]:
        if self._retired(request.path_params.get("version", "")):
            return 400, _error(2635, _RETIRED_MESSAGE), 0
        if token != TOKEN:
            return 400, _error(190, "Error validating access token: Session has expired.", 463), 0
        fault = self._take_fault(request.method, path, ANSWER_FAULTS)
        if fault is not None:
            return _fault_answer(fault)
        if account is not None and account in self.forbidden_accounts:
            return (
                400,
                _error(
                    100,
                    f"Unsupported get request. Object with ID 'act_{account}' does not "
                    "exist, cannot be loaded due to missing permissions",
                    33,
                ),
                0,
            )
        try:
            return 200, self._route(request, path, params), 0
        except _GraphError as exc:
            return exc.status, exc.body, 0

    def _route(self, request: Request, path: str, params: dict[str, str]) -> Any:
        parts = path.split("/") if path else []
        if not parts:
            return _objects(lambda: read_ids(self.world, params))
        if parts[0].startswith("act_") and parts[1:] == ["insights"]:
            account_id = parts[0].removeprefix("act_")
            query = self._ruled(account_id, _query(params), sync=request.method != "POST")
            if request.method == "POST":
                return self._start_run(account_id, query, self._take_fault("POST", path, set(RUN_FAILURES)))
            return self._page(
                str(request.url),
                f"sync:{account_id}:{_query_key(params)}",
                params,
                account_id,
                query,
                sync=True,
            )
        if parts[0].startswith("act_") and parts[1:] == ["ads"]:
            return self.rules.ads_summary(parts[0].removeprefix("act_"))
        if parts[0] in self.runs:
            return self._run_answer(str(request.url), parts, params)
        if request.method == "GET" and len(parts) == 1:
            return _objects(lambda: read_node(self.world, parts[0], params.get("fields", "")))
        raise _GraphError(400, _error(100, f"Unsupported {request.method.lower()} request.", 33))

    def _ruled(self, account_id: str, query: Query, *, sync: bool) -> Query:
        with self._lock:
            try:
                return self.rules.query(account_id, query, sync=sync)
            except Refused as exc:
                raise _GraphError(400, _error(exc.code, exc.message, exc.subcode)) from exc

    def _groups(self, account_id: str, query: Query, *, sync: bool) -> list[tuple[Key, Stats]]:
        problem = query_problem(query)
        if problem:
            raise _GraphError(400, _error(100, problem))
        found = ordered_groups(self.world, account_id, query)
        if sync and self.max_rows is not None and len(found) > self.max_rows:
            raise _GraphError(
                500, _error(1, "Please reduce the amount of data you're asking for, then retry your request")
            )
        return found

    def _start_run(self, account_id: str, query: Query, fault: Fault | None) -> dict[str, str]:
        found = self._groups(account_id, query, sync=False)
        too_big = self.max_rows is not None and len(found) > self.max_rows
        error = RUN_FAILURES[fault.kind] if fault else RUN_FAILURES["run_fail"] if too_big else None
        with self._lock:
            run_id = str(6_023_920_149_050 + len(self.runs))
            self.runs[run_id] = Run(account_id, query, error)
        return {"report_run_id": run_id}

    def _run_answer(self, url: str, parts: list[str], params: dict[str, str]) -> dict[str, Any]:
        run = self.runs[parts[0]]
        if parts[1:] == ["insights"]:
            return self._page(url, f"run:{parts[0]}", params, run.account_id, run.query, sync=False)
        run.polls += 1
        node: dict[str, Any] = {
            "id": parts[0],
            "account_id": run.account_id,
            "date_start": str(run.query.since),
            "date_stop": str(run.query.until),
        }
        if run.error is not None and run.polls >= self.polls_to_complete:
            return {**node, "async_status": "Job Failed", "async_percent_completion": 0, **run.error}
        if run.polls >= self.polls_to_complete:
            return {**node, "async_status": "Job Completed", "async_percent_completion": 100}
        state = ASYNC_STATES[min(run.polls, len(ASYNC_STATES) - 1)]
        return {
            **node,
            "async_status": state,
            "async_percent_completion": 100 * run.polls // self.polls_to_complete,
        }

    def _page(
        self, url: str, key: str, params: dict[str, str], account_id: str, query: Query, *, sync: bool
    ) -> dict[str, Any]:
        """One page of the query's rows; the groups are computed once, a page is rendered when read."""
        with self._lock:
            if key not in self._results:
                self._results[key] = self._groups(account_id, query, sync=sync)
            found = self._results[key]
        limit = int(params.get("limit", "25"))
        offset = _decode(params["after"]) if "after" in params else 0
        if offset >= len(found):
            return {"data": []}
        page = [render(self.world, account_id, query, k, s) for k, s in found[offset : offset + limit]]
        after = offset + len(page)
        loop = self._take_fault("GET", url, {"loop_cursor"}) is not None
        cursor = _encode(offset if loop else after)
        body: dict[str, Any] = {
            "data": page,
            "paging": {"cursors": {"before": _encode(offset), "after": cursor}},
        }
        if after < len(found) or loop:
            body["paging"]["next"] = _with_param(url, "after", cursor)
        return body

    def _retired(self, version: str) -> bool:
        match = re.fullmatch(r"v(\d+)\.\d+", version)
        return match is not None and int(match.group(1)) < self.oldest_served

    def _take_fault(self, method: str, path: str, kinds: set[str] | frozenset[str]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (
                    fault.times > 0
                    and fault.kind in kinds
                    and fault.path in path
                    and (fault.method in (None, method))
                ):
                    fault.times -= 1
                    return fault
        return None

    def _account_for(self, path: str, params: dict[str, str]) -> str | None:
        head = path.split("/")[0]
        if head.startswith("act_"):
            return head.removeprefix("act_")
        if head in self.runs:
            return self.runs[head].account_id
        ids = params.get("ids", head).split(",")
        return self.world.account_of(ids[0]) if ids and ids[0] else None

    def _usage_headers(self, path: str, account: str | None, eta: int, usage_pct: float) -> dict[str, str]:
        pct = 100.0 if eta else usage_pct
        headers = {
            "x-app-usage": _compact({"call_count": pct, "total_time": pct / 2, "total_cputime": pct / 3})
        }
        if account is not None:
            kind = "ads_insights" if "insights" in path else "ads_management"
            headers["x-business-use-case-usage"] = _compact(
                {
                    account: [
                        {
                            "type": kind,
                            "call_count": pct,
                            "total_cputime": pct / 2,
                            "total_time": pct / 2,
                            "estimated_time_to_regain_access": eta,
                            "ads_api_access_tier": self.access_tier,
                        }
                    ]
                }
            )
            headers["x-ad-account-usage"] = _compact(
                {"acc_id_util_pct": pct, "reset_time_duration": 0, "ads_api_access_tier": self.access_tier}
            )
        if "insights" in path:
            headers["x-fb-ads-insights-throttle"] = _compact(
                {"app_id_util_pct": pct, "acc_id_util_pct": pct, "ads_api_access_tier": self.access_tier}
            )
        if account is not None and "insights" in path:
            headers.update(self.rules.headers(account))
        return headers


_RETIRED_MESSAGE = (
    "(#2635) You are calling a deprecated version of the Ads API. "
    f"Please update to the latest version: {NEWEST_VERSION}."
)


class _GraphError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body


def _objects(read: Any) -> Any:
    try:
        return read()
    except ObjectError as exc:
        raise _GraphError(400, _error(exc.code, exc.message)) from exc


def _fault_answer(fault: Fault) -> tuple[int, dict[str, Any], int]:
    answers: dict[str, tuple[int, dict[str, Any], int]] = {
        "throttle": (
            400,
            _error(
                80000,
                "(#80000) There have been too many calls from this ad-account. Wait a bit and try again.",
                2446079,
            ),
            fault.eta_minutes,
        ),
        "app_throttle": (400, _error(4, "(#4) Application request limit reached"), fault.eta_minutes),
        "transient": (500, _error(1, "An unknown error occurred", 99), 0),
        "unavailable": (503, _error(2, "(#2) Service temporarily unavailable", transient=True), 0),
        "token": (400, _error(190, "Error validating access token: Session has expired.", 463), 0),
        "reduce": (
            500,
            _error(1, "Please reduce the amount of data you're asking for, then retry your request"),
            0,
        ),
        "forbidden": (403, _error(200, "(#200) Requires ads_read permission to manage the object"), 0),
    }
    return answers[fault.kind]


def _error(code: int, message: str, subcode: int | None = None, *, transient: bool = False) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEfGh123",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return {"error": error}


def _query(params: dict[str, str]) -> Query:
    time_range = json.loads(params.get("time_range", "{}"))
    filters = json.loads(params.get("filtering", "[]"))
    increment = params.get("time_increment", "all_days")
    return Query(
        level=params.get("level", "account"),
        since=date.fromisoformat(time_range["since"]),
        until=date.fromisoformat(time_range["until"]),
        daily=increment == "1",
        breakdowns=tuple(_list(params.get("breakdowns", ""))),
        fields=tuple(_list(params.get("fields", "impressions,spend"))),
        filters=tuple((f["field"], f["operator"], f.get("value")) for f in filters),
    )


def _list(raw: str) -> list[str]:
    """Graph takes lists as JSON arrays or comma lists."""
    if raw.startswith("["):
        return [str(item) for item in json.loads(raw)]
    return [item for item in raw.split(",") if item]


def _query_key(params: dict[str, str]) -> str:
    return json.dumps({k: v for k, v in sorted(params.items()) if k not in ("after", "limit")})


def _encode(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().replace("=", "ZD")


def _decode(cursor: str) -> int:
    return int(base64.b64decode(cursor.replace("ZD", "=")).decode())


def _with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != name] + [(name, value)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
