"""The sheet viewer's pages, rendered on the server. Sheet names, cell values and ids come from
requests, so every one goes through `_e` (HTML escaping) or `_q` (URL quoting, then escaping);
the pages carry no script at all."""

from __future__ import annotations

from html import escape
from urllib.parse import quote, urlencode

from marketing_etl.sandbox.books import CONFIG_HEADER, CONFIG_ROWS, BookCopy, TabCopy
from marketing_etl.sandbox.config import MOUNT_PATH, SERVICE_ACCOUNT_EMAIL, UNSHARED_SPREADSHEET_ID
from marketing_etl.sandbox.magic import EXPIRED_TOKEN, FLAKY_TOKEN, MISMATCH_TOKEN, THROTTLED_TOKEN
from marketing_etl.sandbox.viewer_cells import is_bold, pattern_of, shown
from marketing_etl.transforms.config_tab import TAB_TITLE as CONFIG_TAB_TITLE

STYLE = """
body { font: 14px system-ui, sans-serif; margin: 0; color: #1d2733; background: #f4f6f9; }
header { background: #7a4b00; color: #fff; padding: 10px 20px; }
header a { color: #ffe2b0; margin-right: 16px; }
main { padding: 16px 20px; }
nav.tabs a { display: inline-block; padding: 6px 12px; margin-right: 4px; background: #e3e8ef;
  border-radius: 6px 6px 0 0; color: #1d2733; text-decoration: none; }
nav.tabs a.active { background: #fff; font-weight: 600; }
.sheet { overflow: auto; background: #fff; border: 1px solid #dde3ea; max-height: 75vh; }
table { border-collapse: collapse; }
td, th { border: 1px solid #dde3ea; padding: 3px 8px; white-space: nowrap; }
th.row { background: #f0f2f5; color: #667085; font-weight: normal; }
td.num { text-align: right; }
td.bold { font-weight: 700; background: #e6e6e6; text-align: center; }
.note { background: #fff7e6; border: 1px solid #f0c36d; padding: 8px 12px; margin: 10px 0; }
input[type=text] { width: 14em; }
"""
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _q(text: str) -> str:
    return _e(quote(text, safe=""))


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body><header><strong>Sandbox — simulated data</strong> "
        f"&nbsp; <a href='/dashboard'>Dashboard</a><a href='{MOUNT_PATH}/sheets'>Sandbox sheets</a>"
        f"</header><main>{body}</main></body></html>"
    )


def index_page(books: list[tuple[str, list[str]]]) -> str:
    items = "".join(
        f"<li><a href='{MOUNT_PATH}/sheets/{_q(book_id)}'>{_e(book_id)}</a> "
        f"<span>({_e(', '.join(titles))})</span></li>"
        for book_id, titles in books
    )
    listing = f"<ul>{items}</ul>" if items else "<p>No spreadsheet yet: send a job (see the README).</p>"
    tokens = (
        f"<ul><li><code>{EXPIRED_TOKEN}</code>: the token is refused as expired</li>"
        f"<li><code>{THROTTLED_TOKEN}</code>: the account is rate-limited; the job waits</li>"
        f"<li><code>{FLAKY_TOKEN}</code>: transient server errors; the job retries</li>"
        f"<li><code>{MISMATCH_TOKEN}</code>: the account totals differ from the rows; the "
        "totals check warns</li>"
        f'<li><code>"spreadsheet_id": "{UNSHARED_SPREADSHEET_ID}"</code>: not shared with '
        f"{_e(SERVICE_ACCOUNT_EMAIL)}</li></ul>"
    )
    body = (
        "<h1>Sandbox spreadsheets</h1><p>Created when a job first writes to them; they live in "
        f"memory until the server stops.</p>{listing}<h2>Magic access tokens</h2>{tokens}"
    )
    return page("Sandbox spreadsheets", body)


def missing_page(spreadsheet_id: str) -> str:
    body = (
        f"<h1>No sandbox spreadsheet {_e(spreadsheet_id)} yet</h1><p>It is created when a job "
        "first writes to it. Sandbox spreadsheets live in memory: a restart forgets them.</p>"
    )
    return page(f"{spreadsheet_id} · sandbox", body)


def sheet_page(book: BookCopy, current: TabCopy | None) -> str:
    base = f"{MOUNT_PATH}/sheets/{_q(book.spreadsheet_id)}"
    parts = [f"<h1>{_e(book.spreadsheet_id)}</h1>", _actions(book, base)]
    parts.append(_tabs(book, current, base))
    if current is None:
        parts.append("<p>This spreadsheet has no tab to show.</p>")
    elif current.is_config:
        parts.append(_config_form(current, base))
    else:
        parts.append(_table(current))
    return page(f"{book.spreadsheet_id} · sandbox", "".join(parts))


def _actions(book: BookCopy, base: str) -> str:
    links = [f"<a href='{base}/download.xlsx'>Download as XLSX</a>"]
    if not any(tab.is_config for tab in book.tabs):
        links.append(
            f"<form method='post' action='{base}/config' style='display:inline'>"
            f"<button type='submit'>Add a {_e(CONFIG_TAB_TITLE)} tab</button></form>"
        )
    notes = ""
    if not book.shared:
        notes = (
            f"<div class='note'>This spreadsheet is not shared with the service account "
            f"{_e(SERVICE_ACCOUNT_EMAIL)}: jobs writing to it fail. "
            f"<form method='post' action='{base}/share' style='display:inline'>"
            "<button type='submit'>Share it as Editor</button></form> then retry the job.</div>"
        )
    return f"<p>{' &nbsp; '.join(links)}</p>{notes}"


def _tabs(book: BookCopy, current: TabCopy | None, base: str) -> str:
    links = []
    for tab in book.tabs:
        active = " class='active'" if current is not None and tab.sheet_id == current.sheet_id else ""
        label = _e(tab.title) + (" (hidden)" if tab.hidden else "")
        links.append(f"<a{active} href='{base}?{_e(urlencode({'gid': tab.sheet_id}))}'>{label}</a>")
    return f"<nav class='tabs'>{''.join(links)}</nav>"


def _table(tab: TabCopy) -> str:
    width = max((len(row) for row in tab.rows), default=0)
    lines = []
    for r, row in enumerate(tab.rows):
        cells = [f"<th class='row'>{r + 1}</th>"]
        for c in range(width):
            value = row[c] if c < len(row) else ""
            fmt = tab.formats[r][c] if c < len(tab.formats[r]) else {}
            cells.append(_cell(value, fmt))
        lines.append(f"<tr>{''.join(cells)}</tr>")
    more = ""
    if tab.total_rows > len(tab.rows):
        more = f"<p>Showing {len(tab.rows):,} of {tab.total_rows:,} rows; the XLSX has them all.</p>"
    return f"<div class='sheet'><table>{''.join(lines)}</table></div>{more}"


def _cell(value: object, fmt: dict[str, object]) -> str:
    out = shown(value, pattern_of(fmt))
    classes = [name for name, on in (("num", out.numeric), ("bold", is_bold(fmt))) if on]
    attr = f" class='{' '.join(classes)}'" if classes else ""
    if out.href:
        return f"<td{attr}><a href='{_e(out.href)}' rel='noopener noreferrer'>image</a></td>"
    return f"<td{attr}>{_e(out.text)}</td>"


def _config_form(tab: TabCopy, base: str) -> str:
    rows = []
    for r in range(CONFIG_ROWS):
        row = tab.rows[r] if r < len(tab.rows) else []
        texts = [shown(row[c], "").text if c < len(row) else "" for c in range(len(CONFIG_HEADER))]
        inputs = "".join(
            f"<td><input type='text' name='r{r}c{c}' value='{_e(text)}'></td>" for c, text in enumerate(texts)
        )
        rows.append(f"<tr><th class='row'>{r + 1}</th>{inputs}</tr>")
    return (
        "<p>Active rows multiply every money column of that account's rows (Status empty or "
        "<code>active</code>). Save, then run or retry a job writing to this spreadsheet.</p>"
        f"<form method='post' action='{base}/config'><div class='sheet'><table>{''.join(rows)}"
        "</table></div><p><button type='submit'>Save</button></p></form>"
    )
