"""Access tokens: encrypted at rest, kept only while a job may need them, masked everywhere else."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from marketing_etl.contracts.store import Store
from marketing_etl.settings import Settings

MASK = "***"
_KEY_FILE = "secret.key"


def load_fernet(settings: Settings) -> Fernet:
    """SECRET_KEY if set (any string; hashed into a Fernet key), else a key generated into
    DATA_DIR with 0600 permissions on first start."""
    if settings.secret_key:
        digest = hashlib.sha256(settings.secret_key.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))
    return Fernet(_key_file(settings.data_dir))


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

    def __init__(self, store: Store, fernet: Fernet, retention_s: int) -> None:
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
