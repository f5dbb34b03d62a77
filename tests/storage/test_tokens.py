"""Contract: encrypted access tokens (opaque bytes to the store) and their expiry."""

from __future__ import annotations

from datetime import timedelta

from marketing_etl.contracts.store import Store
from tests.storage.factory import T0

SECRET = b"gAAAAAB\x00\xff ciphertext"
MINUTE = timedelta(minutes=1)


def test_put_get_replace_delete(store: Store) -> None:
    assert store.get_token("j", T0) is None
    store.put_token("j", SECRET, expires_at=None)
    assert store.get_token("j", T0 + timedelta(days=3650)) == SECRET
    store.put_token("j", b"newer", expires_at=T0 + MINUTE)
    assert store.get_token("j", T0) == b"newer"
    store.delete_token("j")
    assert store.get_token("j", T0) is None
    store.delete_token("j")  # deleting twice is harmless


def test_expired_token_is_not_returned(store: Store) -> None:
    store.put_token("j", SECRET, expires_at=T0 + MINUTE)
    assert store.get_token("j", T0 + MINUTE) == SECRET  # still valid at its expiry instant
    assert store.get_token("j", T0 + 2 * MINUTE) is None


def test_set_token_expiry_sets_and_clears(store: Store) -> None:
    store.put_token("j", SECRET, expires_at=None)
    store.set_token_expiry("j", T0)
    assert store.get_token("j", T0 + MINUTE) is None
    store.set_token_expiry("j", None)
    assert store.get_token("j", T0 + MINUTE) == SECRET
    store.set_token_expiry("missing", T0)
    assert store.get_token("missing", T0 - MINUTE) is None


def test_purge_deletes_only_expired_tokens(store: Store) -> None:
    store.put_token("old", b"1", expires_at=T0 - MINUTE)
    store.put_token("older", b"2", expires_at=T0 - 2 * MINUTE)
    store.put_token("fresh", b"3", expires_at=T0 + MINUTE)
    store.put_token("kept", b"4", expires_at=None)
    assert store.purge_expired_tokens(T0) == 2
    assert store.purge_expired_tokens(T0) == 0
    store.set_token_expiry("fresh", None)  # gone tokens stay gone; the others are intact
    assert [store.get_token(j, T0 - timedelta(days=1)) for j in ("old", "older", "fresh", "kept")] == [
        None,
        None,
        b"3",
        b"4",
    ]
