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

This module is the HTTP wiring: routes, fault injection and the answer to each request. The parts
live next to it: facebook_params.py (request parsing, paging cursors), facebook_faults.py (error
bodies, injectable faults), facebook_runs.py (async report runs), facebook_usage.py (usage
headers), facebook_insights.py / facebook_rows.py (grouping and rendering rows),
facebook_objects.py (node reads), facebook_rules.py (Meta's data rules) and facebook_world.py /
facebook_delivery.py (the world's objects and delivery numbers).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from marketing_etl.sandbox.fakes.facebook_delivery import Stats
from marketing_etl.sandbox.fakes.facebook_faults import (
    ANSWER_FAULTS,
    RETIRED_MESSAGE,
    Fault,
    GraphError,
    error_body,
    fault_answer,
    read_objects,
)
from marketing_etl.sandbox.fakes.facebook_identity import Identity, identity_answer
from marketing_etl.sandbox.fakes.facebook_insights import Key, Query, ordered_groups, query_problem
from marketing_etl.sandbox.fakes.facebook_load import LoadMeter
from marketing_etl.sandbox.fakes.facebook_objects import read_ids, read_node
from marketing_etl.sandbox.fakes.facebook_params import (
    decode_cursor,
    encode_cursor,
    parse_query,
    query_key,
    with_param,
)
from marketing_etl.sandbox.fakes.facebook_rows import render
from marketing_etl.sandbox.fakes.facebook_rules import FakeRules, Refused
from marketing_etl.sandbox.fakes.facebook_runs import RUN_FAILURES, Run, poll
from marketing_etl.sandbox.fakes.facebook_usage import usage_headers
from marketing_etl.sandbox.fakes.facebook_world import World

TOKEN = "EAAB-fake-graph-token-0123456789"
OLDEST_SERVED = 25  # Meta's oldest Marketing API version still answering, December 2026


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]


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
    identity: Identity = field(default_factory=Identity)  # /me, /debug_token (facebook_identity.py)

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
        headers = usage_headers(path, account, eta, usage_pct, self.access_tier, self.rules)
        return Response(content, status_code=status, media_type="application/json", headers=headers)

    def _answer(
        self, request: Request, path: str, params: dict[str, str], token: str, account: str | None
    ) -> tuple[int, Any, int]:
        if self._retired(request.path_params.get("version", "")):
            return 400, error_body(2635, RETIRED_MESSAGE), 0
        if token != TOKEN:
            return 400, error_body(190, "Error validating access token: Session has expired.", 463), 0
        fault = self._take_fault(request.method, path, ANSWER_FAULTS)
        if fault is not None:
            return fault_answer(fault)
        if account is not None and account in self.forbidden_accounts:
            return (
                400,
                error_body(
                    100,
                    f"Unsupported get request. Object with ID 'act_{account}' does not "
                    "exist, cannot be loaded due to missing permissions",
                    33,
                ),
                0,
            )
        try:
            return 200, self._route(request, path, params), 0
        except GraphError as exc:
            return exc.status, exc.body, 0

    def _route(self, request: Request, path: str, params: dict[str, str]) -> Any:
        parts = path.split("/") if path else []
        about_token = identity_answer(self.identity, self.world, parts, params, str(request.url))
        if about_token is not None:
            return about_token
        if not parts:
            return read_objects(lambda: read_ids(self.world, params))
        if parts[0].startswith("act_") and parts[1:] == ["insights"]:
            account_id = parts[0].removeprefix("act_")
            query = self._ruled(account_id, parse_query(params), sync=request.method != "POST")
            if request.method == "POST":
                return self._start_run(account_id, query, self._take_fault("POST", path, set(RUN_FAILURES)))
            return self._page(
                str(request.url),
                f"sync:{account_id}:{query_key(params)}",
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
            return read_objects(lambda: read_node(self.world, parts[0], params.get("fields", "")))
        raise GraphError(400, error_body(100, f"Unsupported {request.method.lower()} request.", 33))

    def _ruled(self, account_id: str, query: Query, *, sync: bool) -> Query:
        with self._lock:
            try:
                return self.rules.query(account_id, query, sync=sync)
            except Refused as exc:
                raise GraphError(400, error_body(exc.code, exc.message, exc.subcode)) from exc

    def _groups(self, account_id: str, query: Query, *, sync: bool) -> list[tuple[Key, Stats]]:
        problem = query_problem(query)
        if problem:
            raise GraphError(400, error_body(100, problem))
        found = ordered_groups(self.world, account_id, query)
        if sync and self.max_rows is not None and len(found) > self.max_rows:
            raise GraphError(
                500,
                error_body(1, "Please reduce the amount of data you're asking for, then retry your request"),
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
        return poll(parts[0], run, self.polls_to_complete)

    def _page(
        self, url: str, key: str, params: dict[str, str], account_id: str, query: Query, *, sync: bool
    ) -> dict[str, Any]:
        """One page of the query's rows; the groups are computed once, a page is rendered when read."""
        with self._lock:
            if key not in self._results:
                self._results[key] = self._groups(account_id, query, sync=sync)
            found = self._results[key]
        limit = int(params.get("limit", "25"))
        offset = decode_cursor(params["after"]) if "after" in params else 0
        if offset >= len(found):
            return {"data": []}
        page = [render(self.world, account_id, query, k, s) for k, s in found[offset : offset + limit]]
        after = offset + len(page)
        loop = self._take_fault("GET", url, {"loop_cursor"}) is not None
        cursor = encode_cursor(offset if loop else after)
        body: dict[str, Any] = {
            "data": page,
            "paging": {"cursors": {"before": encode_cursor(offset), "after": cursor}},
        }
        if after < len(found) or loop:
            body["paging"]["next"] = with_param(url, "after", cursor)
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
