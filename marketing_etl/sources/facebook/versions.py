"""Marketing API versions and the day each stops working: what the service says about its own.

Meta retires a Marketing API version about 13 months after its release; a call to a retired one
fails (`#2635`) or is silently moved to a newer version. A server pinned to one version therefore
stops on a known date, so from WARN_DAYS before it the server's start-up output, the dashboard
and every Facebook job say so, and from that day Facebook jobs fail at once with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

SETTING = "FACEBOOK_API_VERSION"
WARN_DAYS = 60
# Meta's "Marketing API version history": the first day each version no longer works; None
# while Meta has set no date.
ENDS_ON: dict[str, date | None] = {
    "v21.0": date(2025, 9, 9),
    "v22.0": date(2026, 2, 19),
    "v23.0": date(2026, 6, 9),
    "v24.0": date(2026, 11, 10),
    "v25.0": date(2027, 2, 23),
    "v26.0": None,
    "v27.0": None,
}
# The newest version the table knows: the default setting, and the one to move to. Its insights
# fields, breakdowns and parameters that the templates use are the same as in v25.0.
NEWEST = "v27.0"


@dataclass(frozen=True)
class VersionStatus:
    version: str
    ends_on: date | None  # None: no date known (a current version, or one older than the table)
    expired: bool
    message: str | None  # None: nothing to say


def version_status(version: str, today: date) -> VersionStatus:
    """What to tell about `version` on `today`: nothing, a warning, or that it no longer works."""
    major = _major(version)
    known = f"v{major}.0"  # the settings also accept "v25"
    if known not in ENDS_ON:
        if major < min(_major(v) for v in ENDS_ON):
            return VersionStatus(version, None, True, _expired_message(version, None))
        return VersionStatus(version, None, False, None)  # newer than the table: Meta's current one
    ends_on = ENDS_ON[known]
    if ends_on is None or today < ends_on - timedelta(days=WARN_DAYS):
        return VersionStatus(version, ends_on, False, None)
    if today >= ends_on:
        return VersionStatus(version, ends_on, True, _expired_message(version, ends_on))
    return VersionStatus(version, ends_on, False, _warning(version, ends_on, today))


def version_warning(version: str, today: date) -> str | None:
    """The start-up output's and the dashboard's line: a warning or the expiry; None when fine."""
    return version_status(version, today).message


def deprecated_message(version: str) -> str:
    """Facebook answered #2635: it no longer serves the configured version."""
    return (
        f"Facebook no longer serves Marketing API {version}, which this server is set to use. "
        f"Set {SETTING}={NEWEST} in the server's settings and restart it, then retry the job."
    )


def _warning(version: str, ends_on: date, today: date) -> str:
    days = (ends_on - today).days
    return (
        f"Facebook's Marketing API {version}, which this server uses, stops working on "
        f"{ends_on.isoformat()} (in {days} day{'s' if days != 1 else ''}): set {SETTING}={NEWEST} "
        "in the server's settings and restart it before then."
    )


def _expired_message(version: str, ends_on: date | None) -> str:
    when = f"stopped working on {ends_on.isoformat()}" if ends_on else "is no longer served by Facebook"
    return (
        f"Facebook's Marketing API {version}, which this server uses, {when}: Facebook jobs cannot "
        f"run until {SETTING} is set to {NEWEST} in the server's settings and the server restarted."
    )


def _major(version: str) -> int:
    """v25.0 -> 25."""
    head = version.removeprefix("v").split(".")[0]
    return int(head) if head.isdigit() else 0
