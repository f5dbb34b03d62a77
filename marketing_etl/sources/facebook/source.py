"""The Facebook source: one object serving facebook_daily, facebook_performance and facebook_breakdown.

`validate` checks the template and the selected fields when a job is created (unknown names come
back with the closest valid ones); `fetch` plans the report and returns its rows as a lazy stream.
The template alone decides the report's shape. A template sent under another Facebook task type
runs as its own family: the seed README's own example sends the performance template "Campaign
Overview Report" as facebook_daily, and the original's clients did the same with others.
"""

from __future__ import annotations

import difflib

import httpx

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Column, Report
from marketing_etl.errors import InvalidRequest
from marketing_etl.models import JobSpec
from marketing_etl.plugins import Plugins
from marketing_etl.sources.facebook.account_info import money_meta
from marketing_etl.sources.facebook.catalog import (
    TASK_TYPES,
    TEMPLATES,
    Template,
    find_template,
    normalise,
    templates_for,
)
from marketing_etl.sources.facebook.fetch import ReportFetch
from marketing_etl.sources.facebook.plan import plan_report, unknown_fields
from marketing_etl.sources.facebook.throttle import FacebookTuning
from marketing_etl.validation import FieldProblem


class FacebookSource:
    def __init__(
        self, tuning: FacebookTuning | None = None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._tuning = tuning or FacebookTuning()
        self._transport = transport  # in-process tests (httpx.MockTransport)

    def validate(self, spec: JobSpec) -> list[FieldProblem]:
        if not spec.template_name:
            return []  # the generic rules already say template_name is required
        task_type = spec.task_type.value
        template = find_template(spec.template_name)
        if template is None:
            return [FieldProblem("template_name", _template_problem(spec.template_name, task_type))]
        if len(spec.selected_fields) > len(template.fields):
            return [FieldProblem("selected_fields", _too_many_fields(template, len(spec.selected_fields)))]
        unknown = unknown_fields(template, spec.selected_fields)
        if unknown:
            return [FieldProblem("selected_fields", _fields_problem(template, unknown))]
        return []

    def fetch(self, ctx: JobContext) -> Report:
        problems = self.validate(ctx.spec)
        if problems:  # a job stored before a catalog change, or created around the API
            raise InvalidRequest(problems[0].field, problems[0].message)
        template = find_template(ctx.spec.template_name or "")
        if template is None:
            raise InvalidRequest("template_name", "template_name is required for Facebook reports")
        if ctx.spec.task_type.value not in template.task_types:
            ctx.log(
                f"'{template.name}' is a {' / '.join(template.task_types)} template; "
                f"it runs as one although the job says {ctx.spec.task_type.value}."
            )
        plan = plan_report(template, ctx.spec.selected_fields)
        meta: dict[str, object] = {"platform": "facebook", "template": template.name}
        meta.update(money_meta(plan, ctx.spec))
        rows = ReportFetch(ctx, plan, self._tuning, meta, transport=self._transport).rows()
        return Report([Column(c.header, c.kind) for c in plan.columns], rows, meta)


def _template_problem(name: str, task_type: str) -> str:
    names = [t.name for t in templates_for(task_type)]
    message = f"unknown template '{name}' for {task_type}"
    close = _closest(name, names) or _closest(name, [t.name for t in TEMPLATES])
    if close:
        message += f" (did you mean {_quoted(close)}?)"
    return f"{message}. Templates for {task_type}: {_quoted(names)}."


def _too_many_fields(template: Template, count: int) -> str:
    most = len(template.fields)
    return (
        f"selected_fields has {count:,} entries; the '{template.name}' template has {most} fields, "
        f"so at most {most} — remove duplicates or unknown ones "
        "(GET /reports/templates lists every template's fields)"
    )


def _fields_problem(template: Template, unknown: list[str]) -> str:
    hints = []
    for name in unknown:
        close = _closest(name, list(template.fields))
        hints.append(f"'{name}'" + (f" (did you mean {_quoted(close)}?)" if close else ""))
    return (
        f"unknown field(s) for '{template.name}': {', '.join(hints)}. "
        "GET /reports/templates lists every template's fields."
    )


def _closest(name: str, candidates: list[str]) -> list[str]:
    by_key = {normalise(c): c for c in candidates}
    return [by_key[k] for k in difflib.get_close_matches(normalise(name), list(by_key), n=3, cutoff=0.6)]


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def register(plugins: Plugins) -> None:
    source = FacebookSource()
    for task_type in TASK_TYPES:
        plugins.sources.register(task_type, source)
