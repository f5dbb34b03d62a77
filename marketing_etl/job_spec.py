"""The create-job body and what the store keeps of it.

`JobRequest` is the create-job body (original field names); its per-field rules live here, next
to the fields; rules that need several fields, the platform or today's date live in
`validation.py` and in each platform's checks. `JobSpec` is the same request without the access
token: it is what the store keeps, and its fingerprint tells a resent body from a different one.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, ValidationInfo, field_validator

from marketing_etl.fx.currencies import is_known, normalise_code, parse_pair, unknown_code_message
from marketing_etl.request_limits import BOUNDED_FIELDS, check_limits

_ACCOUNT_ID = re.compile(r"^act_\d{1,20}$")
_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
_SPREADSHEET_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # the 20-character minimum: validation.py
_SPREADSHEET_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_TIKTOK_ID = re.compile(r"^\d{1,32}$")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
SPREADSHEET_ID_MIN_LENGTH = 20
# Facebook and TikTok keep attributing conversions to a day for up to 28 days after it.
MAX_REFRESH_DAYS = 28
# No ad platform has data this old; an earlier date is a typo ("0002-01-01", "202-01-01").
EARLIEST_REPORT_DATE = date(2000, 1, 1)
# Far above any real exchange rate; past it a rate is a typo (and "1e999999999" overflows Decimal).
MAX_FX_RATE = Decimal(10) ** 12
SPREADSHEET_ID_HINT = (
    "spreadsheet_id must be the id from the sheet's URL "
    "(docs.google.com/spreadsheets/d/<id>/edit): 20-100 letters, digits, - or _"
)


def spreadsheet_id_of(value: str) -> str:
    """The id in a spreadsheet's URL, or the id itself; ValueError with the fix otherwise."""
    found = _SPREADSHEET_URL.search(value)
    candidate = found.group(1) if found else value
    if not _SPREADSHEET_ID.match(candidate):
        raise ValueError(SPREADSHEET_ID_HINT)
    return candidate


class Account(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    name: str = ""

    @field_validator("id", mode="before")
    @classmethod
    def _normalise_id(cls, value: object) -> str:
        text = str(value).strip()
        if text.isdigit():
            text = f"act_{text}"
        if not _ACCOUNT_ID.match(text):
            raise ValueError(f"account id '{text}' must look like act_1234567890 (or bare digits)")
        return text


class JobSpec(BaseModel):
    """Everything a job needs except its access token."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    # A registered source's task type: validation resolves aliases and refuses unknown names.
    task_type: str
    job_id: str
    task_id: str | None = None
    start_date: date
    end_date: date
    user_email: EmailStr
    spreadsheet_id: str | None = None
    sheet_name: str
    is_overwrite: bool = False
    accounts: list[Account] = Field(default_factory=list)
    advertiser_id: str | None = None
    store_id: str | None = None
    advertiser_name: str | None = None
    store_name: str | None = None
    template_name: str | None = None
    selected_fields: list[str] = Field(default_factory=list)
    destination: Literal["sheets", "csv", "xlsx"] = "sheets"
    target_currency: str | None = None  # ISO 4217; money is converted into it day by day
    fx_rates: dict[str, Decimal] = Field(default_factory=dict)  # pinned rates: {"USD/VND": 25400}
    # Appending to Sheets: also fetch this many days before start_date and replace their rows.
    refresh_days: int = 0
    # A saved connection whose token the job uses (read when it runs), instead of access_token.
    connection_id: str | None = None

    @field_validator("job_id")
    @classmethod
    def _job_id_shape(cls, value: str) -> str:
        if not _JOB_ID.match(value):
            raise ValueError(
                "job_id must be 1-128 characters: letters, digits and . _ : @ - (no spaces or slashes)"
            )
        return value

    @field_validator("spreadsheet_id")
    @classmethod
    def _spreadsheet_id_shape(cls, value: str | None) -> str | None:
        return spreadsheet_id_of(value) if value else None

    @field_validator("sheet_name")
    @classmethod
    def _sheet_name_shape(cls, value: str) -> str:
        if not 1 <= len(value) <= 100:
            raise ValueError("sheet_name must be 1-100 characters long")
        if _CONTROL_CHARS.search(value):
            raise ValueError("sheet_name cannot contain line breaks, tabs or other control characters")
        return value

    @field_validator("accounts", mode="before")
    @classmethod
    def _accounts_as_objects(cls, value: object) -> object:
        # The seed README documents accounts as bare strings; the original's clients send {id, name}.
        if isinstance(value, list):
            return [{"id": item} if isinstance(item, str | int) else item for item in value]
        return value

    @field_validator("advertiser_id", "store_id", mode="before")
    @classmethod
    def _tiktok_id_shape(cls, value: object) -> object:
        if value is None or value == "":
            return None
        text = str(value).strip()
        if not _TIKTOK_ID.match(text):
            raise ValueError("must be the numeric id shown in TikTok Ads Manager / Seller Center")
        return text

    @field_validator("selected_fields")
    @classmethod
    def _no_blank_fields(cls, value: list[str]) -> list[str]:
        cleaned = [field.strip() for field in value]
        if any(not field for field in cleaned):
            raise ValueError("selected_fields cannot contain empty names")
        return cleaned

    @field_validator("target_currency", mode="before")
    @classmethod
    def _iso_currency(cls, value: object) -> object:
        if value is None or value == "":
            return None
        code = normalise_code(str(value))
        if not is_known(code):
            raise ValueError(unknown_code_message(str(value)))
        return code

    @field_validator("fx_rates", mode="before")
    @classmethod
    def _pinned_pairs(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        pairs: dict[str, object] = {}
        for key, rate in value.items():
            base, quote = parse_pair(str(key))
            pairs[f"{base}/{quote}"] = rate
        return pairs

    @field_validator("fx_rates")
    @classmethod
    def _positive_rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for pair, rate in value.items():
            if not rate.is_finite() or rate <= 0:
                raise ValueError(f"fx_rates: the rate for {pair} must be a number above 0, like 25400")
        return value

    @field_validator("refresh_days")
    @classmethod
    def _refresh_days_bounds(cls, value: int) -> int:
        if not 0 <= value <= MAX_REFRESH_DAYS:
            raise ValueError(
                f"refresh_days must be a whole number from 0 to {MAX_REFRESH_DAYS} (conversions settle "
                f"within {MAX_REFRESH_DAYS} days); send 7 to re-fetch the last week, or 0 for none"
            )
        return value

    @property
    def fetch_start_date(self) -> date:
        """The first day the source fetches: start_date, or refresh_days earlier."""
        return self.start_date - timedelta(days=self.refresh_days)

    @property
    def pinned_rates(self) -> dict[tuple[str, str], Decimal]:
        return {parse_pair(pair): rate for pair, rate in self.fx_rates.items()}

    def fingerprint(self) -> str:
        """Identity of the work asked for: the same body again is the same job. Fields left at
        their defaults are omitted, so a new optional field never changes existing identities."""
        body = self.model_dump(mode="json", exclude_defaults=True)
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class JobRequest(JobSpec):
    """The create-job body: the spec plus the platform access token."""

    access_token: SecretStr | None = None
    is_first_chunk: bool = False  # sent by the original's clients, unused since 2026-02

    # The bounds below are on the request, not on JobSpec: stored jobs are read back as JobSpec,
    # and a job created before these bounds existed must still load (dashboard, job list).

    @field_validator(*BOUNDED_FIELDS, mode="before")
    @classmethod
    def _within_request_limits(cls, value: object, info: ValidationInfo) -> object:
        check_limits(str(info.field_name), value)
        return value

    @field_validator("start_date", "end_date")
    @classmethod
    def _not_before_reports_exist(cls, value: date, info: ValidationInfo) -> date:
        if value < EARLIEST_REPORT_DATE:
            raise ValueError(
                f"{info.field_name} {value} is before {EARLIEST_REPORT_DATE}, older than any "
                f"report data; send a date from {EARLIEST_REPORT_DATE} on, as YYYY-MM-DD"
            )
        return value

    @field_validator("fx_rates")
    @classmethod
    def _rates_not_too_large(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for pair, rate in value.items():
            if rate > MAX_FX_RATE:
                raise ValueError(
                    f"fx_rates: the rate for {pair} is too large; send a number above 0 and at most "
                    f"{MAX_FX_RATE:,} (1e12), like 25400"
                )
        return value

    def spec(self) -> JobSpec:
        return JobSpec.model_validate(self.model_dump(exclude={"access_token", "is_first_chunk"}))
