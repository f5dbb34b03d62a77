"""GET /reports/templates: the Facebook report catalog, for clients that build field pickers."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from marketing_etl.api.auth import require_api_key
from marketing_etl.sources.facebook.catalog import TASK_TYPES, Template, templates_for

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
        "Every Facebook task type with its templates: level, breakdowns, time increment (1 = one "
        "row per day, null = one row for the whole range), default fields and the selectable "
        "fields in groups, each with its type. Send field names as `selected_fields` (any case); "
        "the sheet's header keeps your spelling and order. Templates that the original clients "
        "sent under two task types are listed under both."
    ),
)
def list_templates() -> TemplatesResponse:
    return TemplatesResponse(
        task_types=[
            TaskTypeInfo(task_type=task_type, templates=[_info(t) for t in templates_for(task_type)])
            for task_type in TASK_TYPES
        ]
    )


def _info(template: Template) -> TemplateInfo:
    return TemplateInfo(
        name=template.name,
        level=template.level,
        breakdowns=list(template.breakdowns),
        time_increment=template.time_increment,
        default_fields=list(template.defaults),
        field_groups=[
            FieldGroupInfo(
                label=group.label,
                fields=[FieldInfo(name=f, type=template.kind_of(f)) for f in group.fields],
            )
            for group in template.groups
        ],
    )
