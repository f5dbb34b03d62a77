"""Sending one notification to one channel: a signed webhook, a Slack incoming webhook, or an
e-mail over SMTP. Each returns what the channel answered and whether trying again may help;
none raises, and no answer quoted in a result carries a channel's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from marketing_etl.notifications.channels import Channel, ChannelKind
from marketing_etl.settings import Settings
from marketing_etl.tokens import Redactor

SIGNATURE_HEADER = "X-Marketing-ETL-Signature"
EVENT_HEADER = "X-Marketing-ETL-Event"
DELIVERY_HEADER = "X-Marketing-ETL-Delivery"
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_ANSWER_CHARS = 200  # of a refusing receiver's body, kept in the attempt


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str
    retry: bool = False  # a failure another attempt may fix (no answer, 5xx, 429)


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: a receiver checks the signature over the raw body."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(channel: Channel, payload: dict[str, Any], http: httpx.Client, settings: Settings) -> Outcome:
    redact = Redactor(*channel.secrets)
    if channel.kind is ChannelKind.EMAIL:
        outcome = send_email(channel, payload, settings)
    elif channel.kind is ChannelKind.SLACK:
        outcome = _post(http, channel, body_bytes(slack_body(payload)), {})
    else:
        body = body_bytes(payload)
        assert channel.secret is not None  # a webhook channel exists only with its secret
        headers = {
            SIGNATURE_HEADER: signature(channel.secret, body),
            EVENT_HEADER: str(payload.get("event", "")),
            DELIVERY_HEADER: str(payload.get("notification_id", "")),
        }
        outcome = _post(http, channel, body, headers)
    return Outcome(outcome.ok, redact(outcome.detail), outcome.retry)


def slack_body(payload: dict[str, Any]) -> dict[str, Any]:
    """A readable message: the title in bold, the message, and the link to the page."""
    lines = [f"*{_slack_escape(str(payload['title']))}*", _slack_escape(str(payload["message"]))]
    if payload.get("link"):
        lines.append(f"<{payload['link']}|Open in Marketing ETL>")
    return {"text": "\n".join(lines)}


def _slack_escape(text: str) -> str:
    # Slack's three control characters; anything else shows as written.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _post(http: httpx.Client, channel: Channel, body: bytes, headers: dict[str, str]) -> Outcome:
    assert channel.url is not None
    try:
        headers = {"Content-Type": "application/json", **headers}
        response = http.post(channel.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        # The exception's text may quote the URL, which is Slack's secret: its kind says enough.
        return Outcome(False, f"no answer ({type(exc).__name__})", retry=True)
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(True, f"HTTP {code}")
    answer = response.text[:_ANSWER_CHARS].strip()
    detail = f"HTTP {code}" + (f": {answer}" if answer else "")
    return Outcome(False, detail, retry=code == 429 or code >= 500)


def send_email(channel: Channel, payload: dict[str, Any], settings: Settings) -> Outcome:
    assert settings.smtp_host is not None  # an e-mail channel exists only with SMTP_HOST
    message = EmailMessage()
    message["Subject"] = str(payload["title"])
    message["From"] = settings.notify_email_from or f"marketing-etl@{settings.smtp_host}"
    message["To"] = ", ".join(channel.recipients)
    text = str(payload["message"])
    if payload.get("link"):
        text += f"\n\nOpen it: {payload['link']}"
    message.set_content(text + "\n")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=_tls_context(settings))
            if settings.smtp_username and settings.smtp_password:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            refused = smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        answer = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        # 4xx is the server's "try later"; 5xx (bad login, unknown recipient) needs a fix first.
        detail = f"SMTP {exc.smtp_code} {answer}"[:_ANSWER_CHARS]
        return Outcome(False, detail, retry=400 <= exc.smtp_code < 500)
    except smtplib.SMTPRecipientsRefused:
        return Outcome(False, "SMTP: every recipient was refused", retry=False)
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, f"SMTP: {type(exc).__name__}: {exc}"[: _ANSWER_CHARS], retry=True)
    accepted = len(channel.recipients) - len(refused)
    return Outcome(True, f"accepted for {accepted} of {len(channel.recipients)} recipients")


def _tls_context(settings: Settings) -> ssl.SSLContext:
    # Verified always; SMTP_CA_FILE only changes whom the certificate must come from.
    cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    return ssl.create_default_context(cafile=cafile)
