"""/dashboard: the dashboard's page and its static files, behind the dashboard login.

One HTML page serves every view; the script picks the view from the URL, so a job's detail
page (/dashboard/jobs/{job_id}) can be bookmarked and shared. Everything it loads comes from
this server (the chart library is vendored), so it works offline, and the Content-Security-Policy
forbids anything else: no inline script, no third-party host.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse, RedirectResponse

from marketing_etl.api.auth import require_dashboard_user
from marketing_etl.dashboard import STATIC_DIR

router = APIRouter(
    prefix="/dashboard",
    dependencies=[Depends(require_dashboard_user)],
    include_in_schema=False,
)

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".md": "text/plain; charset=utf-8",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages carry job data behind a login: a shared cache must never keep them.
    "Cache-Control": "no-cache, private",
}


def _file(path: Path) -> FileResponse:
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix), headers=SECURITY_HEADERS)


@router.get("")
@router.get("/jobs/{job_id}")
def page() -> FileResponse:
    return _file(STATIC_DIR / "index.html")


@router.get("/schedules")
def schedules_page() -> FileResponse:
    return _file(STATIC_DIR / "schedules.html")


@router.get("/new")
def builder_page() -> FileResponse:
    return _file(STATIC_DIR / "new.html")


@router.get("/connections")
def connections_page() -> FileResponse:
    return _file(STATIC_DIR / "connections.html")


@router.get("/")
def trailing_slash() -> RedirectResponse:
    # A relative link or a habit adds the slash; one canonical URL keeps shared links alike.
    return RedirectResponse("/dashboard", status.HTTP_308_PERMANENT_REDIRECT)


@router.get("/assets/{name:path}")
def asset(name: str) -> FileResponse:
    root = STATIC_DIR.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such dashboard file.")
    return _file(path)
