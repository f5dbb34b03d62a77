"""Dashboard logins: from settings, from an htpasswd file, or generated on first start.

- DASHBOARD_USERNAME / DASHBOARD_PASSWORD: one user.
- DASHBOARD_HTPASSWD: `user:hash` lines as written by `htpasswd -B` (bcrypt). Other hash
  formats (MD5 `$apr1$`, SHA1, crypt) are refused at start rather than silently never matching.
- Neither: user "admin" with a random password generated into DATA_DIR/dashboard-password
  (mode 0600), printed to stderr once when generated, and read back on every later start.
Both configured ways may be used together; either one lets a user in.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt

from marketing_etl.settings import Settings

GENERATED_USER = "admin"
PASSWORD_FILE = "dashboard-password"
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


# bcrypt reads at most 72 bytes of a password: `htpasswd -B` (and bcrypt 4) silently ignored the
# rest, while bcrypt 5 raises ValueError instead. We compare the first 72 bytes, as htpasswd did when
# it made the hash, so a long password set with htpasswd keeps working; refusing such passwords
# would lock those users out without making the hash any stronger, since it never covered the rest.
BCRYPT_MAX_BYTES = 72


@dataclass(frozen=True)
class DashboardAuth:
    username: str | None = None
    password: str | None = None
    hashes: Mapping[str, bytes] = field(default_factory=dict)

    def check(self, username: str, password: bytes) -> bool:
        """Any password bytes of any length give True or False, never an exception."""
        hashed = self.hashes.get(username)
        if hashed is not None and bcrypt.checkpw(password[:BCRYPT_MAX_BYTES], hashed):
            return True
        if hashed is None and self.hashes:
            # Spend the same bcrypt time for an unknown user, so timing does not reveal user names.
            bcrypt.checkpw(password[:BCRYPT_MAX_BYTES], next(iter(self.hashes.values())))
        if self.username is None or self.password is None:
            return False
        user_ok = hmac.compare_digest(username.encode(), self.username.encode())
        # Digests have one length, so the comparison time does not reveal the password's length.
        given_digest = hashlib.sha256(password).digest()
        password_ok = hmac.compare_digest(given_digest, hashlib.sha256(self.password.encode()).digest())
        return user_ok and password_ok


def load_dashboard_auth(settings: Settings) -> DashboardAuth:
    """Raises ValueError with the fix when the htpasswd file cannot be used."""
    hashes = read_htpasswd(settings.dashboard_htpasswd) if settings.dashboard_htpasswd else {}
    if settings.dashboard_username and settings.dashboard_password:
        return DashboardAuth(settings.dashboard_username, settings.dashboard_password, hashes)
    if hashes:
        return DashboardAuth(hashes=hashes)
    return DashboardAuth(GENERATED_USER, generated_password(settings.data_dir))


def read_htpasswd(path: Path) -> dict[str, bytes]:
    users: dict[str, bytes] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, _, hashed = line.partition(":")
        where = f"DASHBOARD_HTPASSWD {path}, line {number}"
        if not user or not hashed:
            raise ValueError(f"{where}: expected 'user:bcrypt-hash' (create lines with htpasswd -B)")
        if not hashed.startswith(_BCRYPT_PREFIXES):
            raise ValueError(
                f"{where}: the password of user '{user}' is not a bcrypt hash, and only bcrypt is "
                f"accepted; recreate it with: htpasswd -B {path} {user}"
            )
        if not _usable_bcrypt(hashed.encode()):
            raise ValueError(
                f"{where}: the bcrypt hash of user '{user}' is damaged; "
                f"recreate it with: htpasswd -B {path} {user}"
            )
        users[user] = hashed.encode()
    if not users:
        raise ValueError(f"DASHBOARD_HTPASSWD {path} has no users; add one with: htpasswd -B {path} admin")
    return users


def _usable_bcrypt(hashed: bytes) -> bool:
    # Checked at start: a damaged hash would otherwise make every login with this user a 500.
    try:
        bcrypt.checkpw(b"", hashed)
    except ValueError:
        return False
    return True


def generated_password(data_dir: Path) -> str:
    path = data_dir / PASSWORD_FILE
    if not path.exists():
        _create_password_file(path)
    password = path.read_text().strip()
    if not password:
        raise ValueError(f"{path} is empty; delete it to have a new dashboard password generated")
    return password


def _create_password_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    # Written to a temp file (mkstemp makes it 0600), then linked into place: the link fails if
    # another process got there first, and nobody ever reads a half-written file.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{PASSWORD_FILE}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        os.link(temp_name, path)
    except FileExistsError:
        return
    finally:
        os.unlink(temp_name)
    print(
        f"Dashboard login generated: user '{GENERATED_USER}', password '{password}' "
        f"(kept in {path}; set DASHBOARD_USERNAME and DASHBOARD_PASSWORD, or DASHBOARD_HTPASSWD, "
        "to choose your own)",
        file=sys.stderr,
        flush=True,
    )
