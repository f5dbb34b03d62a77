"""What a job that stopped mid-write tells the user: the error, then what the tab holds now."""

from __future__ import annotations

from marketing_etl.errors import EtlError, FatalError, TransientError, UserError


def holds(
    title: str, *, rows_done: int, rows_total: int, start_row: int, next_row: int,
    overwrite: bool, prepared: bool, cleared: bool,
) -> str:
    wrote = f"Wrote {rows_done:,} of {rows_total:,} rows:"
    tab = f"tab '{title}'"
    if not prepared and rows_done == 0:
        return f"{wrote} {tab} was not changed."
    if rows_done == 0 and cleared:
        return f"{wrote} {tab} holds only the header row."
    if rows_done == 0:
        return f"{wrote} nothing was added to {tab}."
    rows = f"rows {start_row:,}-{next_row - 1:,}"
    if next_row != start_row + rows_done:
        rows += " (with other jobs' rows in between)"
    first = f"the report's first {rows_done:,} rows"
    if overwrite:
        return f"{wrote} {tab} holds the header and {first} ({rows})."
    return f"{wrote} {rows} of {tab} hold {first}; the rows above are unchanged."


def stopped(exc: EtlError, what_it_holds: str) -> EtlError:
    """The same kind of error, its message completed with what the tab holds."""
    message = f"{exc.user_message} {what_it_holds}"
    if isinstance(exc, UserError):
        return UserError(message, detail=exc.detail)
    if isinstance(exc, TransientError):
        return TransientError(message, detail=exc.detail)
    return FatalError(message, detail=exc.detail)
