"""/sandbox/sheets: the simulated spreadsheets, for people.

    GET  /sandbox/sheets                          every spreadsheet and its tabs, the magic tokens
    GET  /sandbox/sheets/{id}?gid=N | ?tab=Title   one tab as a formatted table
    GET  /sandbox/sheets/{id}/download.xlsx        the whole spreadsheet as a file
    POST /sandbox/sheets/{id}/config               create or save the [CONFIG] Currency Exchange tab
    POST /sandbox/sheets/{id}/share                share it with the service account, as Editor

No login: the data is simulated, and the fakes under /sandbox must stay reachable by the
server's own clients anyway. Handlers are sync, so the thread pool (not the event loop that
serves the fakes) waits for the fake's lock.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from marketing_etl.sandbox import books, viewer_html
from marketing_etl.sandbox.books import CONFIG_HEADER, CONFIG_ROWS
from marketing_etl.sandbox.config import MOUNT_PATH, SERVICE_ACCOUNT_EMAIL
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.sandbox.xlsx_export import xlsx_bytes
from marketing_etl.transforms.config_tab import TAB_TITLE as CONFIG_TAB_TITLE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetViewer:
    def __init__(self, google: FakeGoogle) -> None:
        self._google = google

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/sheets", self.index),
            Route("/sheets/{spreadsheet_id}", self.sheet),
            Route("/sheets/{spreadsheet_id}/download.xlsx", self.download),
            Route("/sheets/{spreadsheet_id}/config", self.config, methods=["POST"]),
            Route("/sheets/{spreadsheet_id}/share", self.share, methods=["POST"]),
        ]

    def index(self, request: Request) -> Response:
        return _html(viewer_html.index_page(books.list_books(self._google)))

    def sheet(self, request: Request) -> Response:
        spreadsheet_id = request.path_params["spreadsheet_id"]
        book = books.copy_book(self._google, spreadsheet_id, SERVICE_ACCOUNT_EMAIL)
        if book is None:
            return _html(viewer_html.missing_page(spreadsheet_id), 404)
        gid = request.query_params.get("gid", "")
        current = book.tab(int(gid) if gid.isdigit() else None, request.query_params.get("tab"))
        return _html(viewer_html.sheet_page(book, current))

    def download(self, request: Request) -> Response:
        spreadsheet_id = request.path_params["spreadsheet_id"]
        book = books.copy_book(self._google, spreadsheet_id, SERVICE_ACCOUNT_EMAIL, max_rows=None)
        if book is None:
            return _html(viewer_html.missing_page(spreadsheet_id), 404)
        filename = quote(f"{spreadsheet_id}.xlsx")
        disposition = f"attachment; filename*=UTF-8''{filename}"
        return Response(xlsx_bytes(book), media_type=XLSX_TYPE, headers={"Content-Disposition": disposition})

    async def config(self, request: Request) -> Response:
        spreadsheet_id = request.path_params["spreadsheet_id"]
        # A plain urlencoded form; Starlette's form parser would need python-multipart.
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        rows = None
        if form:
            rows = [
                [form.get(f"r{r}c{c}", "") for c in range(len(CONFIG_HEADER))] for r in range(CONFIG_ROWS)
            ]
        if not books.save_config(self._google, spreadsheet_id, rows):
            return _html(viewer_html.missing_page(spreadsheet_id), 404)
        return _back(spreadsheet_id, f"?tab={quote(CONFIG_TAB_TITLE)}")

    def share(self, request: Request) -> Response:
        spreadsheet_id = request.path_params["spreadsheet_id"]
        if not books.share(self._google, spreadsheet_id, SERVICE_ACCOUNT_EMAIL):
            return _html(viewer_html.missing_page(spreadsheet_id), 404)
        return _back(spreadsheet_id)


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status, headers=viewer_html.SECURITY_HEADERS)


def _back(spreadsheet_id: str, query: str = "") -> RedirectResponse:
    # 303: the browser follows a form's POST with a GET of the page.
    return RedirectResponse(f"{MOUNT_PATH}/sheets/{quote(spreadsheet_id, safe='')}{query}", 303)
