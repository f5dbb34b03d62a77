"""The job commands (jobs.py): what each returns when applied, and the typed error it raises,
changing nothing, when it cannot be."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.job_errors import TOKEN_NEEDED, Conflict, Invalid, JobNotFound, TokenNeeded, WrongState
from marketing_etl.models import Job, JobStatus, utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import TOKEN, job_request, make_settings
from tests.plugins import HeldExecutor, register


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    plugins = Plugins()
    register(plugins)
    built = build_services(make_settings(tmp_path), plugins)
    yield built
    built.close()


def test_create_says_whether_the_job_is_new(services: Services) -> None:
    held = HeldExecutor()
    first = jobs.create_job(services, held, job_request("c-1", "rows=1"))
    again = jobs.create_job(services, held, job_request("c-1", "rows=1"))
    assert (first.new, first.job.status) == (True, JobStatus.QUEUED)
    assert (again.new, again.job.job_id) == (False, "c-1")
    assert held.submitted == ["c-1"]


def test_create_under_a_used_job_id_with_another_body_is_a_conflict(services: Services) -> None:
    held = HeldExecutor()
    jobs.create_job(services, held, job_request("c-2", "rows=1"))
    with pytest.raises(Conflict) as refused:
        jobs.create_job(services, held, job_request("c-2", "rows=9"))
    assert refused.value.job_id == "c-2"
    assert str(refused.value) == "job_id 'c-2' is already used by a different request"
    assert held.submitted == ["c-2"]
    assert jobs.get_job(services, "c-2").spec.template_name == "rows=1"


def test_commands_on_an_unknown_job_raise_job_not_found(services: Services) -> None:
    commands: list[Callable[[], Job]] = [
        lambda: jobs.get_job(services, "nope"),
        lambda: jobs.cancel_job(services, "nope"),
        lambda: jobs.retry_job(services, HeldExecutor(), "nope", None),
    ]
    for command in commands:
        with pytest.raises(JobNotFound) as missing:
            command()
        assert (missing.value.job_id, str(missing.value)) == ("nope", "No job with job_id 'nope'.")


def test_cancel_of_a_queued_job_then_of_the_finished_one(services: Services) -> None:
    jobs.create_job(services, HeldExecutor(), job_request("x-1", "rows=1"))
    assert jobs.cancel_job(services, "x-1").status is JobStatus.CANCELLED
    with pytest.raises(WrongState) as finished:
        jobs.cancel_job(services, "x-1")
    assert finished.value.job.status is JobStatus.CANCELLED
    assert str(finished.value) == "Job 'x-1' has already finished (CANCELLED); there is nothing to cancel."


def test_retry_of_a_job_that_did_not_end_is_a_wrong_state(services: Services) -> None:
    held = HeldExecutor()
    jobs.create_job(services, held, job_request("r-1", "rows=1"))
    with pytest.raises(WrongState) as queued:
        jobs.retry_job(services, held, "r-1", None)
    assert str(queued.value) == "Job 'r-1' is QUEUED; only FAILED or CANCELLED jobs can be retried."
    assert jobs.get_job(services, "r-1").attempt == 1
    assert held.submitted == ["r-1"]


def test_retry_needs_a_token_again_once_the_stored_one_was_deleted(services: Services) -> None:
    held = HeldExecutor()
    jobs.create_job(services, held, job_request("r-2", "rows=1"))
    jobs.cancel_job(services, "r-2")
    services.store.delete_token("r-2")
    with pytest.raises(TokenNeeded) as needed:
        jobs.retry_job(services, held, "r-2", None)
    assert isinstance(needed.value, Invalid) and needed.value.kind == "missing"
    assert [(p.field, p.message) for p in needed.value.problems] == [("access_token", TOKEN_NEEDED)]
    assert jobs.get_job(services, "r-2").status is JobStatus.CANCELLED

    retried = jobs.retry_job(services, held, "r-2", "a-new-token-123")
    assert (retried.status, retried.attempt) == (JobStatus.QUEUED, 2)
    assert held.submitted == ["r-2", "r-2"]
    assert services.vault.get("r-2", utcnow()) == "a-new-token-123"


def test_check_request_raises_every_problem_with_the_token_masked(services: Services) -> None:
    request = job_request("v-1", "rows=1").model_copy(
        update={"selected_fields": [TOKEN, TOKEN], "start_date": utcnow().date(), "end_date": utcnow().date()}
    )
    with pytest.raises(Invalid) as invalid:
        jobs.check_request(services, request, utcnow().date().replace(year=2001))
    fields = {problem.field: problem.message for problem in invalid.value.problems}
    assert set(fields) == {"end_date", "selected_fields"}
    assert fields["selected_fields"] == "selected_fields lists '***' more than once; send each field once"
    assert TOKEN not in str(invalid.value)
    assert invalid.value.kind == "value_error"
    jobs.check_request(services, job_request("v-2", "rows=1"), utcnow().date())  # valid: no error
