"""HTTP request counts and latencies per route, and the API process's own metrics.

Requests are labelled by the template of the route they matched (`/reports/{job_id}`), never by
their path: one series per job id would grow without bound. A request no route took (no route
matches its path, it was only redirected to add a trailing slash, or the body limit refused it
before routing) is labelled `unmatched`, and a method outside HTTP's own list `other`, for the
same reason. The middleware wraps every other one, so those refusals are counted too. A
long-lived stream (the dashboard's events) is timed until it ends.

Each app has its own registry, so two apps in one process (tests) never share series; the process
collectors read /proc afresh at each scrape, so they need no sharing either.
"""

from __future__ import annotations

import re
import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketing_etl.metrics import PREFIX

UNMATCHED = "unmatched"
OTHER_METHOD = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


class HttpMetrics:
    """The registry /metrics serves besides the store's figures."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.requests = Counter(
            f"{PREFIX}_http_requests",
            "HTTP requests served, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            f"{PREFIX}_http_request_duration_seconds",
            "Time from a request's arrival to its response's last byte, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )


class RequestMetrics:
    """ASGI middleware that counts and times every HTTP request."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry_root = str(scope.get("root_path", ""))
        method = scope["method"] if scope["method"] in METHODS else OTHER_METHOD
        status = 500  # an exception escaping before any response started ends as a server error
        started = time.perf_counter()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # Read after routing: the router leaves the route it chose in the scope.
            route = route_template(scope, entry_root)
            self._metrics.requests.labels(method, route, str(status)).inc()
            self._metrics.latency.labels(method, route).observe(time.perf_counter() - started)


def route_template(scope: Scope, entry_root: str) -> str:
    """The full path template of the route the router chose (`scope["route"]`), also one that
    answered 405 to the method; `entry_root`: the scope's root_path before routing.

    A route knows only its own template: the prefixes of the mounts it sits under are in the
    root_path they added, and the prefix of the router that included it (FastAPI) precedes the
    part of the path its pattern matches. Both prefixes are fixed strings in this app."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    pattern = getattr(route, "path_regex", None)
    if not isinstance(template, str) or not isinstance(pattern, re.Pattern):
        return UNMATCHED
    root = str(scope.get("root_path", ""))
    mounts = root.removeprefix(entry_root)
    if isinstance(route, Mount):
        # The mount's own prefix is already in `mounts`; what it forwarded is just "a path".
        return f"{mounts}/{{path}}"
    path = str(scope["path"])
    local = path[len(root):] if path.startswith(root) else path
    tail = re.search(pattern.pattern.removeprefix("^"), local)
    included = local[: tail.start()] if tail else ""
    return f"{mounts}{included}{template}" or "/"
