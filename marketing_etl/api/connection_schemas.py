"""Bodies and answers of the saved-connection, account-discovery and check-access endpoints."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from marketing_etl.api.schemas import UtcTime
from marketing_etl.connections.facebook import AdAccount
from marketing_etl.connections.tiktok import Advertiser
from marketing_etl.contracts.connections import Connection
from marketing_etl.destinations.sheets.access import SheetAccess
from marketing_etl.job_spec import spreadsheet_id_of
from marketing_etl.request_limits import check_limits

_DAY_S = 86_400


class ConnectionCreate(BaseModel):
    platform: Literal["facebook", "tiktok"]
    name: str = Field(min_length=1, max_length=100, description="how the connection is listed")
    access_token: SecretStr = Field(description="checked with the platform, stored encrypted, never returned")

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must have 1-100 characters other than spaces, like 'Agency FB'")
        return value.strip()

    @field_validator("access_token", mode="before")
    @classmethod
    def _token_within_limit(cls, value: object) -> object:
        check_limits("access_token", value)
        return value

    @field_validator("access_token")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("access_token is empty: paste the platform's access token")
        return SecretStr(value.get_secret_value().strip())


class ConnectionOut(BaseModel):
    connection_id: str
    platform: str
    name: str
    created_at: UtcTime
    created_by: str | None
    owner_name: str | None = Field(description="who the token acts as, from the last check")
    owner_id: str | None
    scopes: list[str] = Field(description="the token's permissions (Facebook); empty where not said")
    expires_at: UtcTime | None = Field(description="null: never expires, or the platform did not say")
    expires_in_days: int | None = Field(description="whole days left, rounded up; 0 once expired")
    checked_at: UtcTime | None
    check_ok: bool | None = Field(description="null until checked; false: the platform refused it")
    check_message: str


class ConnectionList(BaseModel):
    connections: list[ConnectionOut]


class ConnectionDeleted(BaseModel):
    status: Literal["deleted"] = "deleted"
    connection_id: str


class AdAccountOut(BaseModel):
    account_id: str = Field(description="act_<digits>, as jobs' accounts take it")
    name: str
    currency: str
    timezone_name: str
    status: str = Field(description="active, disabled, unsettled, closed, …")


class AdAccountPage(BaseModel):
    accounts: list[AdAccountOut]
    next: str | None = Field(description="send as `after` for the next page; null at the end")


class StoreOut(BaseModel):
    store_id: str
    name: str


class AdvertiserOut(BaseModel):
    advertiser_id: str
    name: str
    currency: str
    timezone: str
    stores: list[StoreOut] = Field(description="only the stores where GMV Max is available")


class AdvertiserList(BaseModel):
    advertisers: list[AdvertiserOut]


class CheckAccessRequest(BaseModel):
    spreadsheet: str = Field(description="the spreadsheet's URL or id", max_length=2000)

    @field_validator("spreadsheet")
    @classmethod
    def _to_id(cls, value: str) -> str:
        return spreadsheet_id_of(value.strip())


class CheckAccessOut(BaseModel):
    spreadsheet_id: str
    ok: bool
    title: str | None
    tabs: list[str]
    client_email: str = Field(description="the service account to share the spreadsheet with")
    message: str


def connection_out(connection: Connection, now: datetime) -> ConnectionOut:
    check = connection.last_check
    expires_at = check.expires_at if check else None
    days_left = None
    if expires_at is not None:
        days_left = max(0, math.ceil((expires_at - now).total_seconds() / _DAY_S))
    return ConnectionOut(
        connection_id=connection.connection_id,
        platform=connection.platform,
        name=connection.name,
        created_at=connection.created_at,
        created_by=connection.created_by,
        owner_name=check.owner_name if check else None,
        owner_id=check.owner_id if check else None,
        scopes=list(check.scopes) if check else [],
        expires_at=expires_at,
        expires_in_days=days_left,
        checked_at=check.checked_at if check else None,
        check_ok=check.ok if check else None,
        check_message=check.message if check else "",
    )


def ad_account_out(account: AdAccount) -> AdAccountOut:
    return AdAccountOut(**account.__dict__)


def advertiser_out(advertiser: Advertiser) -> AdvertiserOut:
    stores = [StoreOut(store_id=s.store_id, name=s.name) for s in advertiser.stores]
    return AdvertiserOut(
        advertiser_id=advertiser.advertiser_id,
        name=advertiser.name,
        currency=advertiser.currency,
        timezone=advertiser.timezone,
        stores=stores,
    )


def access_out(access: SheetAccess) -> CheckAccessOut:
    return CheckAccessOut(**access.__dict__)
