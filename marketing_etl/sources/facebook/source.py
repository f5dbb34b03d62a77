"""The Facebook source: one object serving facebook_daily, facebook_performance and facebook_breakdown.

`validate` checks the accounts, the template and the selected fields when a job is created
(checks.py); `fetch` plans the report and returns its rows as a lazy stream.
The template alone decides the report's shape. A template sent under another Facebook task type
runs as its own family: the seed README's own example sends the performance template "Campaign
Overview Report" as facebook_daily, and the original's clients did the same with others.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import httpx

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import FieldProblem, Source, TaskCatalog
from marketing_etl.contracts.report import Column, Report
from marketing_etl.errors import InvalidRequest
from marketing_etl.models import JobSpec
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook.account_info import describe_report
from marketing_etl.sources.facebook.catalog import TASK_TYPES, find_template
from marketing_etl.sources.facebook.checks import catalog_of, job_problems
from marketing_etl.sources.facebook.fetch import ReportFetch
from marketing_etl.sources.facebook.plan import plan_report
from marketing_etl.sources.facebook.throttle import FacebookTuning


class FacebookSource(Source):
    platform = "facebook"
    display_name = "Facebook"
    task_types = TASK_TYPES
    aliases: Mapping[str, str] = MappingProxyType({})

    def __init__(
        self, tuning: FacebookTuning | None = None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._tuning = tuning or FacebookTuning()
        self._transport = transport  # in-process tests (httpx.MockTransport)

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return job_problems(spec)

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
        plan = plan_report(template, ctx.spec.selected_fields)
        description = describe_report(plan, ctx.spec)
        fetch = ReportFetch(ctx, plan, self._tuning, description.account_info, transport=self._transport)
        return Report([Column(c.header, c.kind) for c in plan.columns], fetch.rows(), description)


def register(plugins: Plugins) -> None:
    plugins.sources.register(FacebookSource())
