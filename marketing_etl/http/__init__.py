"""One way to call an outside API: a client factory that records every request as an ApiCall,
and one retry helper; each platform brings only its classifier, back-off and budget."""

from marketing_etl.http.client import Answer, ApiClient, NoAnswer, Reading, open_client
from marketing_etl.http.retry import (
    FATAL,
    TRANSIENT,
    Backoff,
    Decision,
    Failed,
    Kind,
    Retrier,
    RetryRule,
    Waits,
)
from marketing_etl.http.retry_after import retry_after_s

__all__ = [
    "FATAL",
    "TRANSIENT",
    "Answer",
    "ApiClient",
    "Backoff",
    "Decision",
    "Failed",
    "Kind",
    "NoAnswer",
    "Reading",
    "Retrier",
    "RetryRule",
    "Waits",
    "open_client",
    "retry_after_s",
]
