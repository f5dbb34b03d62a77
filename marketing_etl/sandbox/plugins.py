"""What the sandbox changes in the registered sources and destinations: two things only.

- Facebook's rate-limit clock runs faster: the simulated Graph API answers "regain access in 2
  minutes" like the real one, and the real throttle code waits that out, a minute lasting
  SECONDS_PER_FACEBOOK_MINUTE. Everything else keeps the production tuning.
- A Sheets job's link (WriteResult.url) opens the sandbox's sheet viewer instead of Google.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import Destination, FieldProblem
from marketing_etl.contracts.report import Report, WriteResult
from marketing_etl.destinations.sheets import SheetsDestination
from marketing_etl.job_spec import JobSpec
from marketing_etl.plugins import Plugins
from marketing_etl.sandbox.config import viewer_url
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import FacebookSource
from marketing_etl.sources.facebook.throttle import FacebookTuning

SECONDS_PER_FACEBOOK_MINUTE = 2.0


class SandboxSheets(Destination):
    """The real Sheets destination, whose result links to the sandbox viewer."""

    def __init__(self, inner: SheetsDestination, settings: Settings) -> None:
        self._inner = inner
        self._settings = settings

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return self._inner.validate(spec, settings)

    def write(self, ctx: JobContext, report: Report) -> WriteResult:
        result = self._inner.write(ctx, report)
        link = viewer_url(self._settings, ctx.spec.spreadsheet_id or "", _gid(result.url))
        return WriteResult(result.rows_written, link)


def install(plugins: Plugins, settings: Settings) -> None:
    if any(isinstance(source, FacebookSource) for source in plugins.sources):
        plugins.sources.replace(FacebookSource(FacebookTuning(seconds_per_minute=SECONDS_PER_FACEBOOK_MINUTE)))
    sheets = plugins.destinations.get("sheets")
    if isinstance(sheets, SheetsDestination):
        plugins.destinations.register("sheets", SandboxSheets(sheets, settings))


def _gid(url: str | None) -> int | None:
    fragment = urlsplit(url or "").fragment
    value = fragment.removeprefix("gid=")
    return int(value) if value.isdigit() else None
