"""What the Facebook source checks when a job is created, and its catalog for GET /reports/templates.

A job needs ad accounts and a template; the template must exist, and the selected fields must be
the template's (unknown names come back with the closest valid ones); the start date must be
within the retention of what is asked for (platform_rules.py).
"""

from __future__ import annotations

import difflib
from datetime import date

from marketing_etl.contracts.plugins import (
    CatalogField,
    CatalogTemplate,
    FieldGroup,
    FieldProblem,
    TaskCatalog,
)
from marketing_etl.job_spec import JobSpec
from marketing_etl.sources.facebook.catalog import (
    TEMPLATES,
    Template,
    find_template,
    normalise,
    templates_for,
)
from marketing_etl.sources.facebook.plan import key_fields, key_headers, plan_report, unknown_fields
from marketing_etl.sources.facebook.platform_rules import retention_problem, template_description


def job_problems(spec: JobSpec, today: date) -> list[FieldProblem]:
    required = required_fields(spec)
    if required or not spec.template_name:
        return required
    template = find_template(spec.template_name)
    if template is None:
        return [FieldProblem("template_name", _template_problem(spec.template_name, spec.task_type))]
    if len(spec.selected_fields) > len(template.fields):
        return [FieldProblem("selected_fields", _too_many_fields(template, len(spec.selected_fields)))]
    unknown = unknown_fields(template, spec.selected_fields)
    if unknown:
        return [FieldProblem("selected_fields", _fields_problem(template, unknown))]
    plan = plan_report(template, spec.selected_fields)
    too_old = retention_problem(template, plan.insight_fields, spec.fetch_start_date, today)
    if too_old:
        return [too_old]
    return _refresh_problem(template, spec) if spec.refresh_days and not key_headers(plan) else []


def _refresh_problem(template: Template, spec: JobSpec) -> list[FieldProblem]:
    """Refreshed rows replace the tab's rows of the same day, object and breakdown values: the
    report needs one row per day and columns that say which."""
    fields = key_fields(template)
    if not fields:
        fix = "its rows add up the whole date range; choose a daily template or send refresh_days 0"
        return [FieldProblem("refresh_days", f"'{template.name}' cannot refresh earlier days: {fix}")]
    chosen = {normalise(f) for f in spec.selected_fields}
    missing = [f for f in fields if normalise(f) not in chosen]
    return [
        FieldProblem(
            "selected_fields",
            f"refresh_days matches rows on {', '.join(fields)}; add {', '.join(missing)} to "
            "selected_fields, or send refresh_days 0",
        )
    ]


def catalog_of(task_type: str) -> TaskCatalog:
    return TaskCatalog(task_type, templates=tuple(_described(t) for t in templates_for(task_type)))


def required_fields(spec: JobSpec) -> list[FieldProblem]:
    """What every Facebook job must send: its ad accounts and a template."""
    task = spec.task_type
    problems: list[FieldProblem] = []
    if not spec.accounts:
        problems.append(
            FieldProblem(
                "accounts",
                f"accounts is required for {task} reports: send at least one ad account, "
                'e.g. [{"id": "act_1234567890", "name": "My account"}]',
            )
        )
    if not spec.template_name:
        problems.append(
            FieldProblem(
                "template_name",
                f"template_name is required for {task} reports: send the report template, "
                'e.g. "Campaign Overview Report"',
            )
        )
    return problems


def _described(template: Template) -> CatalogTemplate:
    return CatalogTemplate(
        name=template.name,
        level=template.level,
        breakdowns=template.breakdowns,
        time_increment=template.time_increment,
        default_fields=template.defaults,
        description=template_description(template),
        groups=tuple(
            FieldGroup(group.label, tuple(CatalogField(f, template.kind_of(f)) for f in group.fields))
            for group in template.groups
        ),
    )


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
