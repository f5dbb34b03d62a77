"""What the API needs from an executor: hand it a job_id, it sees to it that the job runs."""

from __future__ import annotations

from typing import Protocol


class Executor(Protocol):
    name: str

    def start(self) -> None:
        """Begin accepting work (threads, broker connections)."""

    def submit(self, job_id: str) -> None:
        """The job is QUEUED in the store; run it soon. Only the job_id travels."""

    def ping(self) -> None:
        """Raise if the executor cannot take work (e.g. the broker is unreachable)."""

    def shutdown(self, wait_s: float = 10.0) -> None: ...
