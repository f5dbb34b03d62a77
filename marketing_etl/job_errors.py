"""Why a job command (jobs.py) refused. Each door answers them in one place: the API's exception
handlers (api/errors.py) as HTTP statuses, the CLI as its exit codes.

    JobCommandError      the message is written for whoever sent the command
    ├── JobNotFound      no job has this job_id
    ├── WrongState       the job's status does not allow the command
    ├── Conflict         the job_id is taken by a different request
    └── Invalid          fields of the request are wrong: one FieldProblem each
        └── TokenNeeded  a retry without a token, after the stored one was deleted
"""

from __future__ import annotations

from collections.abc import Sequence

from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.models import Job

TOKEN_NEEDED = 'the stored access token of this job was deleted; send a new one: {"access_token": "..."}'


class JobCommandError(Exception):
    pass


class JobNotFound(JobCommandError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"No job with job_id '{job_id}'.")
        self.job_id = job_id


class WrongState(JobCommandError):
    def __init__(self, job: Job, message: str) -> None:
        super().__init__(message)
        self.job = job


class Conflict(JobCommandError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"job_id '{job_id}' is already used by a different request")
        self.job_id = job_id


class Invalid(JobCommandError):
    # The 422 entries' "type", as pydantic names its own errors.
    kind = "value_error"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        super().__init__("; ".join(f"{problem.field}: {problem.message}" for problem in problems))
        self.problems = list(problems)


class TokenNeeded(Invalid):
    kind = "missing"

    def __init__(self) -> None:
        super().__init__([FieldProblem("access_token", TOKEN_NEEDED)])
