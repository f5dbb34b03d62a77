"""Whether the service account can open a spreadsheet: the builder's "Check access" button.

Reads the spreadsheet's title and tab names with the service account, as a job's writer would;
when Google refuses, the answer names the account to share the spreadsheet with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marketing_etl.context import JobContext
from marketing_etl.destinations.sheets.auth import CredentialsProblem, load_service_account
from marketing_etl.destinations.sheets.session import open_sheets_session
from marketing_etl.errors import AccessDenied, EtlError


@dataclass(frozen=True)
class SheetAccess:
    spreadsheet_id: str
    ok: bool
    client_email: str
    message: str
    title: str | None = None
    tabs: list[str] = field(default_factory=list)


def check_access(ctx: JobContext, spreadsheet_id: str) -> SheetAccess:
    try:
        client_email = load_service_account(ctx.settings.google_credentials_path).client_email
    except CredentialsProblem as exc:
        return SheetAccess(spreadsheet_id, False, "", str(exc))
    try:
        with open_sheets_session(ctx, spreadsheet_id) as session:
            found = session.retry.call(session.client.get_title_and_tabs)
    except AccessDenied:
        return SheetAccess(spreadsheet_id, False, client_email, f"Share it with {client_email} as Editor")
    except EtlError as exc:
        return SheetAccess(spreadsheet_id, False, client_email, exc.user_message)
    tabs = [str(sheet["properties"]["title"]) for sheet in found.get("sheets") or []]
    title = (found.get("properties") or {}).get("title")
    return SheetAccess(
        spreadsheet_id,
        True,
        client_email,
        f"{client_email} can open this spreadsheet.",
        title=None if title is None else str(title),
        tabs=tabs,
    )
