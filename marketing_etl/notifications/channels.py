"""Where notifications go: the channels the settings configure for every event, and a
schedule's own (`notify` in its definition), kept with their secrets encrypted.

A notification names its channel only ("webhook", "schedule:<id>:slack"), never its secret: the
delivery loop resolves the name to the channel, decrypting the schedule's secrets, at send time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, SecretStr, ValidationInfo, field_validator

from marketing_etl.contracts.store import Store
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault

if TYPE_CHECKING:
    # Read through the store only; schedules/ sits above this package.
    from marketing_etl.schedules.model import Schedule

_SCHEDULE_PREFIX = "schedule:"
_EMAIL = re.compile(r"[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+")
MAX_RECIPIENTS = 20
MIN_SECRET_CHARS = 16


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"
    SLACK = "slack"
    EMAIL = "email"


@dataclass(frozen=True)
class Channel:
    name: str
    kind: ChannelKind
    url: str | None = None  # the webhook's or Slack's URL (Slack's is itself a secret)
    secret: str | None = None  # the webhook's HMAC key
    recipients: tuple[str, ...] = ()

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never show in a log or a recorded attempt."""
        hidden = (self.secret, self.url if self.kind is ChannelKind.SLACK else None)
        return tuple(value for value in hidden if value)


class ScheduleNotify(BaseModel):
    """A schedule's own channels, besides those of the settings. A replace sends it whole,
    secrets included (responses never return them)."""

    webhook_url: str | None = Field(None, description="receives a signed JSON body (http or https)")
    webhook_secret: SecretStr | None = Field(
        None,
        validate_default=True,
        description="the HMAC-SHA256 key of the signature header, required with webhook_url; "
        "stored encrypted, never returned",
    )
    slack_webhook_url: SecretStr | None = Field(
        None, description="a Slack incoming-webhook URL; stored encrypted, never returned"
    )
    email_to: list[str] = Field(default_factory=list, description="addresses (SMTP_* settings send)")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_shape(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        return check_url(value.strip(), "webhook_url")

    @field_validator("webhook_secret")
    @classmethod
    def _secret_with_url(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        secret = value.get_secret_value().strip() if value is not None else ""
        if info.data.get("webhook_url") and len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"webhook_url needs a webhook_secret of at least {MIN_SECRET_CHARS} characters: "
                "receivers check the signature with it"
            )
        return SecretStr(secret) if secret else None

    @field_validator("slack_webhook_url")
    @classmethod
    def _slack_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            check_url(value.get_secret_value().strip(), "slack_webhook_url")
        return value

    @field_validator("email_to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        cleaned = [address.strip() for address in value if address.strip()]
        wrong = [address for address in cleaned if not _EMAIL.fullmatch(address)]
        if wrong:
            raise ValueError(f"not an e-mail address: {', '.join(wrong)}; write them like ops@example.com")
        if len(cleaned) > MAX_RECIPIENTS:
            raise ValueError(f"at most {MAX_RECIPIENTS} addresses; use a mailing list for more")
        return cleaned


def check_url(value: str, field: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError(f"{field} must be an http:// or https:// URL")
    return value


def stored_notify(vault: TokenVault, given: ScheduleNotify | None) -> dict[str, Any] | None:
    """The form kept in the schedule's `notify` column: secrets as ciphertext text."""
    if given is None:
        return None
    return {
        "webhook_url": given.webhook_url,
        "webhook_secret": _encrypted(vault, given.webhook_secret),
        "slack_webhook_url": _encrypted(vault, given.slack_webhook_url),
        "email_to": list(given.email_to),
    }


def _encrypted(vault: TokenVault, secret: SecretStr | None) -> str | None:
    text = secret.get_secret_value().strip() if secret is not None else ""
    return vault.encrypt(text).decode() if text else None


def notify_summary(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a response may show of a schedule's channels: which are set, never a secret."""
    if not stored:
        return None
    return {
        "webhook_url": stored.get("webhook_url"),
        "webhook_secret_stored": bool(stored.get("webhook_secret")),
        "slack_stored": bool(stored.get("slack_webhook_url")),
        "email_to": list(stored.get("email_to") or []),
    }


def settings_channels(settings: Settings) -> list[Channel]:
    channels = []
    if settings.notify_webhook_url and settings.notify_webhook_secret:
        secret = settings.notify_webhook_secret.get_secret_value()
        url = settings.notify_webhook_url
        channels.append(Channel("webhook", ChannelKind.WEBHOOK, url=url, secret=secret))
    if settings.notify_slack_webhook_url:
        url = settings.notify_slack_webhook_url.get_secret_value()
        channels.append(Channel("slack", ChannelKind.SLACK, url=url))
    if settings.notify_email_list and settings.smtp_host:
        channels.append(Channel("email", ChannelKind.EMAIL, recipients=tuple(settings.notify_email_list)))
    return channels


def schedule_channels(vault: TokenVault, schedule: Schedule) -> list[Channel]:
    stored = schedule.notify or {}
    prefix = f"{_SCHEDULE_PREFIX}{schedule.schedule_id}:"
    channels = []
    secret = _decrypted(vault, stored.get("webhook_secret"))
    if stored.get("webhook_url") and secret:
        url = stored["webhook_url"]
        channels.append(Channel(prefix + "webhook", ChannelKind.WEBHOOK, url=url, secret=secret))
    slack = _decrypted(vault, stored.get("slack_webhook_url"))
    if slack:
        channels.append(Channel(prefix + "slack", ChannelKind.SLACK, url=slack))
    if stored.get("email_to"):
        channels.append(Channel(prefix + "email", ChannelKind.EMAIL, recipients=tuple(stored["email_to"])))
    return channels


def _decrypted(vault: TokenVault, ciphertext: str | None) -> str | None:
    return vault.decrypt(ciphertext.encode()) if ciphertext else None


def resolve(store: Store, settings: Settings, vault: TokenVault, name: str) -> Channel | None:
    """The channel a notification names, as configured now; None if it no longer exists."""
    if name.startswith(_SCHEDULE_PREFIX):
        schedule_id = name[len(_SCHEDULE_PREFIX) :].rpartition(":")[0]
        schedule = store.schedules.get(schedule_id)
        candidates = schedule_channels(vault, schedule) if schedule else []
    else:
        candidates = settings_channels(settings)
    return next((channel for channel in candidates if channel.name == name), None)
