"""GET /reports/{job_id}/download: the CSV or XLSX file a job wrote (destination csv / xlsx)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse

from marketing_etl.api.auth import require_api_key
from marketing_etl.api.deps import ServicesDep
from marketing_etl.destinations.files import EXTENSIONS, MEDIA_TYPES, report_path
from marketing_etl.services import Services

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[Depends(require_api_key)])

FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The report file", "content": {m: {} for m in MEDIA_TYPES.values()}},
    401: {"description": "API_KEYS is set and the X-API-Key header is missing or wrong"},
    404: {"description": "No such job, the job writes to Google Sheets, or its file is not written yet"},
}


@router.get(
    "/{job_id}/download",
    summary="Download a job's CSV or XLSX file",
    description=(
        "For jobs created with destination \"csv\" or \"xlsx\". The file appears once the job has "
        "written it completely (404 before); a retried job replaces it."
    ),
    response_class=FileResponse,
    responses=FILE_RESPONSES,
)
def download_report(job_id: str, services: ServicesDep) -> FileResponse:
    return report_file(services, job_id)


def report_file(services: Services, job_id: str) -> FileResponse:
    """The job's finished file, or 404 saying why there is none (also served to the dashboard)."""
    job = services.store.get_job(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No job with job_id '{job_id}'.")
    destination = job.spec.destination
    if destination not in EXTENSIONS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"Job '{job_id}' writes to Google Sheets, not to a file; open its destination_url.",
        )
    path = report_path(services.settings, job_id, destination)
    if not path.is_file():
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"The {destination.upper()} file of job '{job_id}' is not written yet "
            f"(job status: {job.status.value}).",
        )
    return FileResponse(path, media_type=MEDIA_TYPES[destination], filename=path.name)
