"""The one typed Settings object, read from the environment and `.env`.

Nothing here runs at import time: `get_settings()` builds (and caches) the object on first use,
so tests and the CLI can change the environment before anything reads it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_DATABASE_SCHEMES = ("sqlite", "postgresql", "mongodb")
# Sandbox jobs, secrets and files live in this folder of DATA_DIR, apart from real ones.
SANDBOX_DATA_SUBDIR = "sandbox"
DEFAULT_MAX_REQUEST_BYTES = 1_048_576
# Retention settings go up to a century; 0 keeps those records forever.
MAX_RETENTION_DAYS = 36_500
# Meta asks for spread-out calls, not bursts; more than this at once only invites throttling.
MAX_FACEBOOK_CONCURRENCY = 50
# What NOTIFY_EVENTS may name (notifications/events.py sends them); unset: all of them.
NOTIFICATION_EVENTS = (
    "job_failed",
    "totals_mismatch",
    "schedule_failed_twice",
    "connection_expiring",
    "api_version_ending",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    host: str = "127.0.0.1"
    port: int = Field(8011, ge=1, le=65535)
    data_dir: Path = Path("./data")

    database_url: str | None = None
    mongo_uri: str | None = None
    mongo_database: str = "marketing_etl"

    redis_url: str | None = None
    redis_host: str | None = None
    redis_port: int = Field(6379, ge=1, le=65535)
    redis_password: str | None = None
    executor: Literal["local", "celery"] | None = None

    google_credentials_path: Path = Path("./credentials.json")
    google_sheets_api_url: str = "https://sheets.googleapis.com"
    facebook_graph_url: str = "https://graph.facebook.com"
    facebook_api_version: str = "v27.0"  # sources/facebook/versions.py: NEWEST
    tiktok_api_url: str = "https://business-api.tiktok.com/open_api/v1.3"
    fx_api_url: str = (
        "https://cdn.jsdelivr.net/npm/@fawazahmed0/currency-api@{date}/v1/currencies/{base}.json"
    )
    # Asked when FX_API_URL cannot be reached; empty: no mirror
    fx_api_fallback_url: str = "https://{date}.currency-api.pages.dev/v1/currencies/{base}.json"

    # Encrypts stored access tokens. Several keys, newest first, comma-separated: the first
    # encrypts, any reads (tokens.py); None: a key generated into DATA_DIR
    secret_key: str | None = None
    token_retention_s: int = Field(86_400, ge=0)
    max_concurrent_jobs: int = Field(4, ge=1, le=64)
    job_lease_s: int = Field(60, ge=5)
    job_soft_time_limit_s: int = Field(3_300, ge=1)
    job_time_limit_s: int = Field(3_600, ge=2)
    # A QUEUED job no worker took for this long is published to the broker again, in case its
    # message was lost (executors/resend.py)
    queue_resend_after_s: int = Field(120, ge=1)
    # /healthz flags the queue as stalled when its oldest job has waited longer than this
    queue_stalled_after_s: int = Field(900, ge=1)

    dashboard_username: str | None = None
    dashboard_password: str | None = None
    dashboard_htpasswd: Path | None = None
    api_keys: str | None = None
    extra_plugins: str | None = None
    # The largest request body read; a create-job body at every field limit is about 200 KB.
    max_request_bytes: int = Field(DEFAULT_MAX_REQUEST_BYTES, ge=1_024)

    # Console logs of every command (log_setup.py): one JSON object a line or plain text, and the
    # lowest level shown; jobs' own logs in the store keep their INFO lines either way.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    # Scheduled reports: `serve` runs the scheduler too unless a separate one is deployed
    embedded_scheduler: bool = True
    scheduler_interval_s: float = Field(15.0, ge=0.2, le=300)

    # Bounded history (maintenance.py): the scheduler deletes raw records past these ages at
    # most every PRUNE_INTERVAL_S; 0 keeps that kind forever. API-call rollups are never deleted.
    job_retention_days: int = 400
    log_retention_days: int = 90
    api_call_retention_days: int = 90
    prune_interval_s: int = Field(3_600, ge=60, le=86_400)

    # Facebook Marketing API client
    facebook_page_size: int = Field(500, ge=1, le=5_000)
    # Graph requests one job keeps in flight at once (fewer while Facebook's usage is high).
    # FACEBOOK_CONCURRENCY, its name before 2026-12, still counts so an upgrade keeps the value.
    facebook_max_concurrency: int = Field(
        10, validation_alias=AliasChoices("facebook_max_concurrency", "facebook_concurrency")
    )
    facebook_max_wait_s: int = Field(1_800, ge=0)
    facebook_skip_forbidden_accounts: bool = False
    # Compare each Facebook/TikTok job's rows with the platform's account totals (one call per
    # account); TOTALS_CHECK=0 saves those calls.
    totals_check: bool = True

    # TikTok API for Business client: a call budget per advertiser, shared by every job and worker
    tiktok_max_qps: float = Field(5.0, gt=0)
    tiktok_max_qpm: int = Field(240, ge=1)
    tiktok_max_wait_s: int = Field(600, ge=0)
    # TikTok's per-app daily limit on GMV Max report calls, counted per UTC day across all jobs
    tiktok_max_calls_per_day: int = Field(20_000, ge=1)
    tiktok_drop_idle_creatives: bool = True
    # The app's id and secret, which TikTok's oauth2/advertiser/get/ (checking a saved TikTok
    # connection) requires beside the token.
    tiktok_app_id: str = ""
    tiktok_app_secret: SecretStr | None = None

    # Google Sheets writer
    sheets_writes_per_minute: int = Field(55, ge=1)
    sheets_max_wait_s: int = Field(600, ge=0)
    report_status_to_sheet: bool = False

    # Notifications (notifications/): the job-page links' base, and the channels every event goes
    # to besides a schedule's own. Secrets are SecretStr so that no repr or log shows them.
    public_url: str | None = None  # None: http://HOST:PORT
    notify_webhook_url: str | None = None
    notify_webhook_secret: SecretStr | None = None
    notify_slack_webhook_url: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    # A CA bundle the SMTP server's certificate is checked against instead of the system's (a
    # private CA); the certificate is always verified.
    smtp_ca_file: Path | None = None
    smtp_timeout_s: float = Field(10.0, gt=0, le=120)
    notify_email_from: str | None = None
    notify_email_to: str | None = None  # comma-separated addresses
    notify_events: str | None = None  # comma-separated NOTIFICATION_EVENTS; None: all

    # Sandbox (docs/sandbox.md): simulated platforms inside `serve`, for demos and evaluation
    sandbox: bool = False
    sandbox_force: bool = False  # allow the sandbox next to a shared store or Redis anyway

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split(":", 1)[0].split("+", 1)[0].lower()
        if scheme == "postgres":
            return "postgresql" + value[len("postgres") :]
        if scheme not in SUPPORTED_DATABASE_SCHEMES:
            supported = ", ".join(f"{s}://" for s in SUPPORTED_DATABASE_SCHEMES)
            raise ValueError(f"DATABASE_URL scheme '{scheme}' is not supported; use one of {supported}")
        return value

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.strip().upper() if info.field_name == "log_level" else value.strip().lower()

    @field_validator("facebook_api_version")
    @classmethod
    def _version_shape(cls, value: str) -> str:
        if not value.startswith("v") or not value[1:].replace(".", "").isdigit():
            raise ValueError("FACEBOOK_API_VERSION must look like v25.0")
        return value

    @field_validator("facebook_max_concurrency", mode="before")
    @classmethod
    def _facebook_concurrency(cls, value: object) -> int:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_FACEBOOK_CONCURRENCY:
            raise ValueError(
                f"FACEBOOK_MAX_CONCURRENCY must be a whole number of requests from 1 to "
                f"{MAX_FACEBOOK_CONCURRENCY} (got {value!r}); the default 10 suits most apps"
            )
        return int(text)

    @field_validator("job_retention_days", "log_retention_days", "api_call_retention_days")
    @classmethod
    def _retention_days(cls, value: int) -> int:
        if not 0 <= value <= MAX_RETENTION_DAYS:
            raise ValueError(
                f"must be a number of days from 1 to {MAX_RETENTION_DAYS}, or 0 to keep those "
                f"records forever (got {value})"
            )
        return value

    @field_validator("notify_events")
    @classmethod
    def _known_events(cls, value: str | None) -> str | None:
        unknown = [name for name in _comma_list(value) if name not in NOTIFICATION_EVENTS]
        if unknown:
            raise ValueError(
                f"NOTIFY_EVENTS names unknown event(s) {', '.join(unknown)}; "
                f"use any of {', '.join(NOTIFICATION_EVENTS)}"
            )
        return value

    @field_validator("dashboard_htpasswd")
    @classmethod
    def _htpasswd_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"DASHBOARD_HTPASSWD file {value} does not exist; create it with htpasswd -B")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.executor == "celery" and self.broker_url is None:
            raise ValueError("EXECUTOR=celery needs REDIS_URL (or REDIS_HOST) to reach the broker")
        if self.job_soft_time_limit_s >= self.job_time_limit_s:
            raise ValueError("JOB_SOFT_TIME_LIMIT_S must be smaller than JOB_TIME_LIMIT_S")
        if bool(self.dashboard_username) != bool(self.dashboard_password):
            raise ValueError("set DASHBOARD_USERNAME and DASHBOARD_PASSWORD together")
        return self

    @model_validator(mode="after")
    def _sandbox_kept_apart(self) -> Settings:
        """Simulated jobs must never reach a store or a broker that real workers share: a stray
        SANDBOX=1 in a production environment stops the start instead."""
        if not self.sandbox:
            return self
        shared = []
        scheme = self.resolved_database_url.split(":", 1)[0]
        if scheme != "sqlite":
            shared.append(f"the {scheme} store (DATABASE_URL / MONGO_URI)")
        if self.broker_url:
            shared.append("Redis (REDIS_URL / REDIS_HOST)")
        if shared and not self.sandbox_force:
            raise ValueError(
                "SANDBOX=1 serves simulated Facebook, TikTok and Google APIs and must not share "
                f"{' or '.join(shared)} with real jobs. Unset SANDBOX (or the store / Redis "
                "settings), or set SANDBOX_FORCE=1 if this is a throwaway setup."
            )
        if self.data_dir.name != SANDBOX_DATA_SUBDIR:
            self.data_dir = self.data_dir / SANDBOX_DATA_SUBDIR
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        if self.mongo_uri:
            return self.mongo_uri
        return f"sqlite:///{(self.data_dir / 'marketing_etl.db').as_posix()}"

    @property
    def broker_url(self) -> str | None:
        if self.redis_url:
            return self.redis_url
        if self.redis_host:
            auth = f":{quote(self.redis_password, safe='')}@" if self.redis_password else ""
            return f"redis://{auth}{self.redis_host}:{self.redis_port}/0"
        return None

    @property
    def resolved_executor(self) -> Literal["local", "celery"]:
        if self.executor:
            return self.executor
        return "celery" if self.broker_url else "local"

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def notify_email_list(self) -> list[str]:
        return _comma_list(self.notify_email_to)

    @property
    def notify_event_set(self) -> frozenset[str]:
        return frozenset(_comma_list(self.notify_events) or NOTIFICATION_EVENTS)

    @property
    def api_key_list(self) -> list[str]:
        return [key.strip() for key in (self.api_keys or "").split(",") if key.strip()]


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
