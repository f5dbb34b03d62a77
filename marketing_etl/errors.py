"""The exception tree. The runner turns these into a job's final status and message.

    EtlError                      anything the pipeline raises on purpose; .user_message is shown
    ├── UserError                 the request or the user's setup is wrong: retrying won't help
    │   ├── InvalidRequest        a field of the job is wrong (carries the field name)
    │   └── AccessDenied          token expired/revoked, sheet not shared, missing permission
    ├── TransientError            throttling, 5xx, network: the API client retries these itself;
    │   └── RateLimited           one reaching the runner means the retry budget ran out
    └── FatalError                our bug or broken configuration: needs an operator

    JobCancelled                  raised by JobContext.check_cancel(); not an error: ends CANCELLED
"""

from __future__ import annotations


class EtlError(Exception):
    """Base for deliberate failures. `user_message` is written for a marketer, not a developer."""

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail


class UserError(EtlError):
    pass


class InvalidRequest(UserError):
    def __init__(self, field: str, user_message: str) -> None:
        super().__init__(f"{field}: {user_message}")
        self.field = field


class AccessDenied(UserError):
    pass


class TransientError(EtlError):
    pass


class RateLimited(TransientError):
    def __init__(self, user_message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(user_message)
        self.retry_after_s = retry_after_s


class FatalError(EtlError):
    pass


class JobCancelled(Exception):
    """The user asked to cancel; the runner records CANCELLED."""
