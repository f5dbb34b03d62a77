"""TikTok's return codes (they arrive in HTTP 200 bodies) sorted into what the client does next."""

from __future__ import annotations

from enum import Enum

from marketing_etl.errors import AccessDenied, EtlError, FatalError, TransientError, UserError
from marketing_etl.http import FATAL, TRANSIENT, Decision, Kind


class Verdict(Enum):
    OK = "ok"
    THROTTLED = "throttled"  # wait and retry: the app's or advertiser's call rate is exhausted
    TRANSIENT = "transient"  # wait and retry: a fault on TikTok's side
    FAIL = "fail"  # retrying cannot help


OK_CODES = frozenset({0, 20001})  # 20001: partial success, logged by the client
THROTTLE_CODES = frozenset({40016, 40100, 40133})
TRANSIENT_CODES = frozenset({50000, 50002, 60001})
AUTH_CODES = frozenset({40101, 40102, 40104, 40105, 40106, 40110})
PERMISSION_CODES = frozenset({40001})
# Other parameter-class codes whose message alone tells the marketer little.
NOT_FOUND_CODES = frozenset({40007, 40300, 40301})


def verdict(code: int) -> Verdict:
    if code in OK_CODES:
        return Verdict.OK
    if code in THROTTLE_CODES:
        return Verdict.THROTTLED
    if code in TRANSIENT_CODES or 51000 <= code <= 51999:
        return Verdict.TRANSIENT
    return Verdict.FAIL


class TryAgain(TransientError):
    """A call TikTok may answer if asked again: throttled, or a fault on its side."""

    def __init__(self, verdict: Verdict, code: int | None, message: str, *, endpoint: str) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.code = code
        self.endpoint = endpoint

    @property
    def what(self) -> str:
        return f"code {self.code}: {self.user_message}" if self.code is not None else self.user_message


def classify(error: BaseException) -> Decision:
    """For the shared retry helper: TikTok names no wait, so both kinds back off."""
    if isinstance(error, TryAgain) and error.verdict is Verdict.THROTTLED:
        return Decision(Kind.THROTTLED)
    if isinstance(error, TryAgain):
        return TRANSIENT
    return FATAL


def failure(code: int, message: str, *, advertiser_id: str, endpoint: str) -> EtlError:
    """The job-ending error for a non-retryable code, worded for the person who sent the job."""
    said = f"(TikTok code {code}: {message.strip() or 'no message'})"
    if code in AUTH_CODES:
        return AccessDenied(
            f"TikTok rejected the access token {said}. Send a valid TikTok for Business access "
            f"token for advertiser {advertiser_id} and retry the job."
        )
    if code in PERMISSION_CODES:
        return AccessDenied(
            f"The access token has no permission for this report on advertiser {advertiser_id} "
            f"{said}. Ask the advertiser's admin to grant access, then retry the job."
        )
    if code in NOT_FOUND_CODES:
        return UserError(
            f"TikTok does not know advertiser {advertiser_id} or an object this report needs "
            f"{said}. Check advertiser_id and store_id."
        )
    if 40000 <= code < 50000:
        return UserError(f"TikTok refused the request to {endpoint} {said}.")
    return FatalError(f"TikTok answered {endpoint} with an unexpected error {said}.")
