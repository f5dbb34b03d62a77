"""The Facebook source: one object serving facebook_daily, facebook_performance and facebook_breakdown.

`validate` checks the accounts, the template and the selected fields when a job is created
(checks.py); `fetch` plans the report and returns its rows as a lazy stream.
The template alone decides the report's shape. A template sent under another Facebook task type
runs as its own family: the seed README's own example sends the performance template "Campaign
Overview Report" as facebook_daily, and the original's clients did the same with others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from types import MappingProxyType

import httpx

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import FieldProblem, Source, TaskCatalog
from marketing_etl.contracts.report import Column, Report
from marketing_etl.errors import FatalError, InvalidRequest
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.ratelimit import Budget, open_budget
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook.account_info import describe_report
from marketing_etl.sources.facebook.allowances import Allowances
from marketing_etl.sources.facebook.catalog import TASK_TYPES, find_template
from marketing_etl.sources.facebook.checks import catalog_of, job_problems
from marketing_etl.sources.facebook.fetch import ReportFetch
from marketing_etl.sources.facebook.plan import canonical_field, plan_report
from marketing_etl.sources.facebook.platform_rules import off_meta_columns, off_meta_note
from marketing_etl.sources.facebook.throttle import FacebookTuning
from marketing_etl.sources.facebook.totals import FacebookTotals
from marketing_etl.sources.facebook.versions import version_status


class FacebookSource(Source):
    platform = "facebook"
    display_name = "Facebook"
    task_types = TASK_TYPES
    aliases: Mapping[str, str] = MappingProxyType({})

    def __init__(
        self,
        tuning: FacebookTuning | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        today: Callable[[], date] | None = None,
        allowances: Budget | None = None,
    ) -> None:
        self._tuning = tuning or FacebookTuning()
        self._transport = transport  # in-process tests (httpx.MockTransport)
        self._today = today or (lambda: utcnow().date())  # tests move the date of the version check
        self._allowances = allowances  # None: the shared budget store (tests pass their own)

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return job_problems(spec, self._today())

    def catalog(self, task_type: str) -> TaskCatalog:
        return catalog_of(task_type)

    def fetch(self, ctx: JobContext) -> Report:
        problems = self.validate(ctx.spec, ctx.settings)
        if problems:  # a job stored before a catalog change, or created around the API
            raise InvalidRequest(problems[0].field, problems[0].message)
        template = find_template(ctx.spec.template_name or "")
        if template is None:
            raise InvalidRequest("template_name", "template_name is required for Facebook reports")
        if ctx.spec.task_type not in template.task_types:
            ctx.log(
                f"'{template.name}' is a {' / '.join(template.task_types)} template; "
                f"it runs as one although the job says {ctx.spec.task_type}."
            )
        self._check_version(ctx)
        plan = plan_report(template, ctx.spec.selected_fields)
        totals = FacebookTotals(ctx, plan, self._tuning, transport=self._transport)
        description = replace(describe_report(plan, ctx.spec), totals=totals)
        off_meta = off_meta_columns(template, [canonical_field(template, c.header) for c in plan.columns])
        if off_meta:
            ctx.warn(off_meta_note(template, off_meta))
        budget = self._allowances or open_budget(ctx.settings.broker_url, "facebook")
        allowances = Allowances(ctx, plan, budget, self._today())
        fetch = ReportFetch(
            ctx, plan, self._tuning, description.account_info, allowances, transport=self._transport
        )
        return Report([Column(c.header, c.kind) for c in plan.columns], fetch.rows(), description)

    def _check_version(self, ctx: JobContext) -> None:
        """Before any call: a retired API version fails the job with the fix, one about to
        retire is a warning in the job's log and final message."""
        status = version_status(ctx.settings.facebook_api_version, self._today())
        if status.message is None:
            return
        if status.expired:
            raise FatalError(status.message)
        ctx.warn(status.message)


def register(plugins: Plugins) -> None:
    plugins.sources.register(FacebookSource())
