"""The simulated platforms as the sandbox serves them: the fakes, fronted by the magic-token
router (Facebook, TikTok) or by on-demand spreadsheets (Google), each seeing its requests as if
it were served at the root of its own host, the way the tests serve them."""

from __future__ import annotations

import copy
from dataclasses import replace

from starlette.types import ASGIApp, Receive, Scope, Send

from marketing_etl.sandbox.config import UNSHARED_SPREADSHEET_ID
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN as GRAPH_TOKEN
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.sandbox.fakes.tiktok_api import FakeTikTok
from marketing_etl.sandbox.fakes.tiktok_data import Dataset
from marketing_etl.sandbox.magic import Arm, Behaviour, Lane, TokenRouter

# "Regain access in 2 minutes": 4 s with the sandbox's Facebook clock (see plugins.py).
FACEBOOK_THROTTLE_ETA_MIN = 2
# TikTok's throttling code, answered twice: the client's backoff waits about 0.5 s, then 1 s.
TIKTOK_THROTTLE = (2, 40100, "Too many requests. Please retry in some time.")
TIKTOK_FAULT = (1, 50000, "Internal service error. Please retry later.")
TIKTOK_TOKEN = "sandbox-tiktok-token"
_SHEETS_PATH = "/v4/spreadsheets/"


class AtRoot:
    """Presents a mounted app's requests without the mount prefix (path, raw_path, root_path)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root = str(scope.get("root_path", ""))
            raw = bytes(scope.get("raw_path") or scope["path"].encode())
            scope = {
                **scope,
                "path": scope["path"].removeprefix(root) or "/",
                "raw_path": raw.removeprefix(root.encode()) or b"/",
                "root_path": "",
                "app_root_path": "",
            }
        await self._app(scope, receive, send)


def facebook_app(world: World) -> tuple[ASGIApp, dict[Behaviour, FakeGraph]]:
    graphs = {behaviour: FakeGraph(_world_for(world, behaviour)) for behaviour in Behaviour}
    lanes = {b: Lane(graph.app, _facebook_arm(world, graph, b)) for b, graph in graphs.items()}
    return AtRoot(TokenRouter("authorization", "Bearer ", GRAPH_TOKEN, lanes)), graphs


def _world_for(world: World, behaviour: Behaviour) -> World:
    """The same world, except that the mismatch lane's accounts all report totals that differ."""
    if behaviour is not Behaviour.MISMATCH:
        return world
    differing = copy.copy(world)
    differing.totals_differ = set(world.accounts)
    return differing


def _facebook_arm(world: World, graph: FakeGraph, behaviour: Behaviour) -> Arm:
    def arm(scope: Scope, first_on_connection: bool) -> None:
        _refuse_unknown_account(world, graph, scope["path"])
        if not first_on_connection:
            return
        if behaviour is Behaviour.THROTTLED:
            graph.inject("throttle", eta_minutes=FACEBOOK_THROTTLE_ETA_MIN)
        elif behaviour is Behaviour.FLAKY:
            graph.inject("unavailable")

    return arm


def _refuse_unknown_account(world: World, graph: FakeGraph, path: str) -> None:
    """An ad account the demo world lacks answers as Facebook does for one the token may not
    read, instead of the fake's crash on a world it was never given."""
    parts = path.strip("/").split("/")
    if len(parts) > 1 and parts[1].startswith("act_"):
        account = parts[1].removeprefix("act_")
        if account not in world.accounts:
            graph.forbidden_accounts.add(account)


def tiktok_app(data: Dataset) -> tuple[ASGIApp, dict[Behaviour, FakeTikTok]]:
    fakes = {
        behaviour: FakeTikTok(replace(data, totals_differ=behaviour is Behaviour.MISMATCH), TIKTOK_TOKEN)
        for behaviour in Behaviour
    }
    lanes = {b: Lane(fake.app, _tiktok_arm(fake, b)) for b, fake in fakes.items()}
    return AtRoot(TokenRouter("access-token", "", TIKTOK_TOKEN, lanes)), fakes


def _tiktok_arm(fake: FakeTikTok, behaviour: Behaviour) -> Arm | None:
    fault = {Behaviour.THROTTLED: TIKTOK_THROTTLE, Behaviour.FLAKY: TIKTOK_FAULT}.get(behaviour)
    if fault is None:
        return None

    def arm(scope: Scope, first_on_connection: bool) -> None:
        if first_on_connection:
            fake.fail_next(*fault)

    return arm


class SpreadsheetsOnDemand:
    """Google's side of the sandbox: any spreadsheet id exists, shared with the sandbox's service
    account, as soon as a client asks for it; `demo-unshared` exists but is not shared."""

    def __init__(self, google: FakeGoogle, editor: str) -> None:
        self._google = google
        self._editor = editor
        self._app = AtRoot(google.app())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self._ensure_exists(scope)
        await self._app(scope, receive, send)

    def _ensure_exists(self, scope: Scope) -> None:
        root = str(scope.get("root_path", ""))
        path = bytes(scope.get("raw_path") or b"").decode("latin-1").removeprefix(root)
        if not path.startswith(_SHEETS_PATH):
            return
        book_id = path[len(_SHEETS_PATH) :].split("/")[0].split(":")[0]
        editors = [] if book_id == UNSHARED_SPREADSHEET_ID else [self._editor]
        with self._google.lock:
            if book_id and book_id not in self._google.books:
                self._google.add_spreadsheet(book_id, editors=editors)
