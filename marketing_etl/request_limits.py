"""The most a create-job (or retry) body may hold, field by field.

Each bound is far above real use and low enough that one request cannot fill the server's
memory or make GET /reports/{job_id} answer megabytes: a body at every limit at once is about
200 KB. The bounds are checked on the raw JSON value, before the per-field rules of `job_spec.py`
run, so an oversized value is refused in one message instead of being parsed item by item,
normalised or quoted back. They bind requests only: stored jobs are read back without them.
Lengths are counted after stripping surrounding whitespace, as the stored values are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MAX_ACCOUNTS = 500
MAX_SELECTED_FIELDS = 200  # no platform's report has more (the largest Facebook template: 54)
MAX_FIELD_NAME_CHARS = 100
MAX_ACCOUNT_ID_CHARS = 32  # act_ and up to 20 digits
MAX_ACCOUNT_NAME_CHARS = 256
MAX_FX_RATES = 50
MAX_FX_PAIR_CHARS = 16  # "USD/VND", with room for spaces around the slash


@dataclass(frozen=True)
class TextLimit:
    max_chars: int
    fix: str


TEXT_LIMITS: dict[str, TextLimit] = {
    "task_type": TextLimit(32, "send a task type such as facebook_daily or product"),
    "task_id": TextLimit(128, "send a shorter task_id"),
    "user_email": TextLimit(254, "send one e-mail address"),
    "spreadsheet_id": TextLimit(1_000, "send the id from the sheet's URL, or the URL alone"),
    "template_name": TextLimit(100, "send a template name as GET /reports/templates lists it"),
    "advertiser_id": TextLimit(32, "send the numeric advertiser id from TikTok Ads Manager"),
    "store_id": TextLimit(32, "send the numeric store id from TikTok Seller Center"),
    "advertiser_name": TextLimit(256, "send a shorter advertiser_name"),
    "store_name": TextLimit(256, "send a shorter store_name"),
    "target_currency": TextLimit(3, "send an ISO 4217 code such as USD, EUR or VND"),
    "access_token": TextLimit(4_096, "send the platform's access token alone"),
}
_ACCOUNT_ID = TextLimit(MAX_ACCOUNT_ID_CHARS, "send the ad account id, like act_1234567890")
_ACCOUNT_NAME = TextLimit(MAX_ACCOUNT_NAME_CHARS, "send a shorter account name")
_FIELD_NAME = TextLimit(MAX_FIELD_NAME_CHARS, "send field names as GET /reports/templates lists them")
COLLECTION_FIELDS = ("accounts", "selected_fields", "fx_rates")
BOUNDED_FIELDS = (*TEXT_LIMITS, *COLLECTION_FIELDS)


def check_limits(field: str, value: object) -> None:
    """ValueError naming the field, its limit and the fix when `value` (raw JSON) is over it."""
    if field in TEXT_LIMITS:
        _check_text(field, value, TEXT_LIMITS[field])
    elif field == "accounts":
        _check_accounts(value)
    elif field == "selected_fields":
        _check_selected_fields(value)
    elif field == "fx_rates":
        _check_fx_rates(value)


def _check_text(field: str, value: object, limit: TextLimit) -> None:
    length = _length(value)
    if length > limit.max_chars:
        raise ValueError(
            f"{field} is {length:,} characters long; at most {limit.max_chars:,} are accepted — {limit.fix}"
        )


def _check_accounts(value: object) -> None:
    if not isinstance(value, list):
        return
    if len(value) > MAX_ACCOUNTS:
        raise ValueError(
            f"accounts has {len(value):,} entries; at most {MAX_ACCOUNTS} are accepted — "
            "split the report into several jobs"
        )
    for index, item in enumerate(value):
        account = item if isinstance(item, Mapping) else {"id": item}
        _check_text(f"accounts[{index}].id", account.get("id"), _ACCOUNT_ID)
        _check_text(f"accounts[{index}].name", account.get("name"), _ACCOUNT_NAME)


def _check_selected_fields(value: object) -> None:
    if not isinstance(value, list):
        return
    if len(value) > MAX_SELECTED_FIELDS:
        raise ValueError(
            f"selected_fields has {len(value):,} entries; at most {MAX_SELECTED_FIELDS} are accepted "
            "(no report has more fields) — remove duplicates or unknown ones; "
            "GET /reports/templates lists every template's fields"
        )
    for index, name in enumerate(value):
        _check_text(f"selected_fields[{index}]", name, _FIELD_NAME)


def _check_fx_rates(value: object) -> None:
    if not isinstance(value, Mapping):
        return
    if len(value) > MAX_FX_RATES:
        raise ValueError(
            f"fx_rates has {len(value):,} entries; at most {MAX_FX_RATES} are accepted — "
            "pin only the pairs the report converts"
        )
    for pair in value:
        length = _length(pair)
        if length > MAX_FX_PAIR_CHARS:
            raise ValueError(
                f"fx_rates has a pair name {length:,} characters long; at most {MAX_FX_PAIR_CHARS} "
                "are accepted — name pairs like USD/VND"
            )


def _length(value: object) -> int:
    """Characters of a string, or of a number as the models will read it; 0 for anything else."""
    if isinstance(value, str):
        return len(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return len(str(value))
    return 0
