"""Access tokens: encrypted at rest, kept only while a job may need them, masked everywhere else.

SECRET_KEY may hold several keys, newest first, separated by commas: tokens are encrypted with
the newest and read with any, so a key can be replaced without losing stored tokens
(`marketing-etl rotate-key` then re-encrypts them all with the newest; see key_rotation.py).
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from marketing_etl.contracts.store import Store
from marketing_etl.models import Job
from marketing_etl.settings import Settings

MASK = "***"
_CONNECTION_FIX = (
    "open Connections in the dashboard and save a new token, then create the job again with the new "
    "connection (or retry this one with an access_token)."
)
_KEY_FILE = "secret.key"


def load_fernet(settings: Settings) -> MultiFernet:
    """The keys of SECRET_KEY if set (each any string, hashed into a Fernet key), else a key
    generated into DATA_DIR with 0600 permissions on first start."""
    if settings.secret_key:
        return MultiFernet([_derived(key) for key in secret_keys(settings.secret_key)])
    return MultiFernet([Fernet(_key_file(settings.data_dir))])


def secret_keys(value: str) -> list[str]:
    """The keys of a SECRET_KEY value, newest first, the first one encrypting."""
    parts = value.split(",")
    keys = [part.strip() for part in parts if part.strip()]
    # Before several keys were accepted, a SECRET_KEY containing a comma was one key. Each tail of
    # the list is also tried for reading (never for encrypting), so such a key, left as it was or
    # put last behind a new key, still reads what it encrypted: upgrading loses no stored token.
    keys += [",".join(parts[i:]) for i in range(len(parts) - 1)]
    return keys or [value]


def _derived(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def _key_file(data_dir: Path) -> bytes:
    path = data_dir / _KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: when two processes start at once, exactly one writes and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


class TokenVault:
    """Stores a job's token encrypted and decides how long it lives."""

    def __init__(self, store: Store, fernet: MultiFernet, retention_s: int) -> None:
        self._store = store
        self._fernet = fernet
        self._retention = timedelta(seconds=retention_s)

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def put(self, job_id: str, token: str) -> None:
        self._store.put_token(job_id, self.encrypt(token), expires_at=None)

    def get(self, job_id: str, now: datetime) -> str | None:
        ciphertext = self._store.get_token(job_id, now)
        return None if ciphertext is None else self.decrypt(ciphertext)

    def decrypt(self, ciphertext: bytes) -> str | None:
        try:
            return self._fernet.decrypt(ciphertext).decode()
        except InvalidToken:
            # Encrypted under another SECRET_KEY: unusable, so behave as if it had expired.
            return None

    def reencrypt(self, ciphertext: bytes) -> bytes | None:
        """The token encrypted with the newest key; None if no key can read it."""
        try:
            return self._fernet.rotate(ciphertext)
        except InvalidToken:
            return None

    def for_job(self, job: Job, now: datetime) -> tuple[str | None, str | None]:
        """The token a job runs with, else None and why: its own (sent with it or with a retry)
        first, else the one of the saved connection it names, read now."""
        own = self.get(job.job_id, now)
        if own is not None or not job.spec.connection_id:
            return own, None
        return self._connection_token(job.spec.connection_id, now)

    def _connection_token(self, connection_id: str, now: datetime) -> tuple[str | None, str | None]:
        connection = self._store.connections.get(connection_id)
        if connection is None:
            return None, f"The saved connection {connection_id} was deleted; {_CONNECTION_FIX}"
        named = f"The saved connection '{connection.name}' ({connection_id})"
        expires_at = connection.last_check.expires_at if connection.last_check else None
        if expires_at is not None and expires_at <= now:
            return None, f"{named} expired on {expires_at:%Y-%m-%d %H:%M} UTC; {_CONNECTION_FIX}"
        ciphertext = self._store.connections.token(connection_id)
        token = None if ciphertext is None else self.decrypt(ciphertext)
        if token is None:
            return None, f"{named} cannot be decrypted with SECRET_KEY; {_CONNECTION_FIX}"
        return token, None

    def on_success(self, job_id: str) -> None:
        self._store.delete_token(job_id)

    def on_failure(self, job_id: str, now: datetime) -> None:
        """Failed or cancelled: keep the token for a retry, but not forever."""
        self._store.set_token_expiry(job_id, now + self._retention)


class Redactor:
    """Replaces known secrets in any text with ***."""

    def __init__(self, *secrets: str | None) -> None:
        # Longest first so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
