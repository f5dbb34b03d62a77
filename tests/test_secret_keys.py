"""SECRET_KEY with several keys (newest first), and the generated key file without it."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from marketing_etl.settings import Settings
from marketing_etl.tokens import load_fernet, secret_keys


def test_the_newest_key_encrypts_and_every_key_reads(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="old-key")
    under_old = load_fernet(settings).encrypt(b"token")
    both = load_fernet(settings.model_copy(update={"secret_key": " new-key , old-key "}))
    assert both.decrypt(under_old) == b"token"
    under_new = both.encrypt(b"token")
    assert load_fernet(settings.model_copy(update={"secret_key": "new-key"})).decrypt(under_new) == b"token"
    with pytest.raises(InvalidToken):
        load_fernet(settings).decrypt(under_new)


def test_a_key_containing_a_comma_still_reads_what_it_encrypted(tmp_path: Path) -> None:
    # Before several keys were accepted, the whole value was the one key.
    whole = hashlib.sha256(b"half-one,half-two").digest()
    legacy = Fernet(base64.urlsafe_b64encode(whole)).encrypt(b"token")
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="half-one,half-two")
    assert secret_keys("half-one,half-two")[0] == "half-one"  # the first part encrypts from now on
    assert load_fernet(settings).decrypt(legacy) == b"token"
    behind_a_new_key = settings.model_copy(update={"secret_key": "newest,half-one,half-two"})
    assert load_fernet(behind_a_new_key).decrypt(legacy) == b"token"


def test_without_secret_key_a_private_key_file_is_generated_and_reused(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key=None)
    ciphertext = load_fernet(settings).encrypt(b"token")
    key_file = tmp_path / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_fernet(settings).decrypt(ciphertext) == b"token"
