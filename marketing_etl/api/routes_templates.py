"""GET /reports/templates: the report templates of every registered source, for clients that build
field pickers. Sources without templates (TikTok's reports are one fixed field list each) have
nothing to list here."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from marketing_etl.api.auth import require_api_key
from marketing_etl.api.deps import ServicesDep
from marketing_etl.contracts.plugins import CatalogTemplate

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[Depends(require_api_key)])


class FieldInfo(BaseModel):
    name: str
    type: str  # text, id, date, datetime, integer, money, ratio, percent or formula


class FieldGroupInfo(BaseModel):
    label: str
    fields: list[FieldInfo]


class TemplateInfo(BaseModel):
    name: str
    level: str
    breakdowns: list[str]
    time_increment: int | None
    default_fields: list[str]
    field_groups: list[FieldGroupInfo]
    description: str  # the platform's limits on this template's data; "" when there are none


class TaskTypeInfo(BaseModel):
    task_type: str
    templates: list[TemplateInfo]


class TemplatesResponse(BaseModel):
    task_types: list[TaskTypeInfo]


@router.get(
    "/templates",
    response_model=TemplatesResponse,
    summary="Report templates and their fields",
    description=(
        "Every task type that has templates (Facebook's), with its templates: level, breakdowns, "
        "time increment (1 = one row per day, null = one row for the whole range), default fields "
        "and the selectable fields in groups, each with its type, and a description of what the "
        "platform does not report for the template (e.g. off-Facebook conversions by region or "
        "hour). Send field names as `selected_fields` (any case); the sheet's header keeps your "
        "spelling and order. Templates "
        "that the original clients sent under two task types are listed under both."
    ),
)
def list_templates(services: ServicesDep) -> TemplatesResponse:
    sources = services.plugins.sources
    catalogs = [source.catalog(t) for source in sources for t in source.task_types]
    return TemplatesResponse(
        task_types=[
            TaskTypeInfo(task_type=c.task_type, templates=[_info(t) for t in c.templates])
            for c in catalogs
            if c.templates
        ]
    )


def _info(template: CatalogTemplate) -> TemplateInfo:
    return TemplateInfo(
        name=template.name,
        level=template.level,
        breakdowns=list(template.breakdowns),
        time_increment=template.time_increment,
        default_fields=list(template.default_fields),
        description=template.description,
        field_groups=[
            FieldGroupInfo(label=g.label, fields=[FieldInfo(name=f.name, type=f.kind) for f in g.fields])
            for g in template.groups
        ],
    )
