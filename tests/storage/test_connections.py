"""Contract: saved connections (store.connections), on each backend."""

from __future__ import annotations

from datetime import timedelta

from marketing_etl.contracts.connections import Connection, ConnectionCheck
from marketing_etl.contracts.store import Store
from tests.storage.factory import T0


def make_connection(connection_id: str, name: str = "Agency", platform: str = "facebook") -> Connection:
    return Connection(connection_id, platform, name, created_at=T0, created_by="ann@example.com")


def check(days: int | None, *, ok: bool = True) -> ConnectionCheck:
    return ConnectionCheck(
        checked_at=T0 + timedelta(hours=1),
        ok=ok,
        message="" if ok else "Error validating access token",
        owner_name="Ann Agency",
        owner_id="1001",
        scopes=("ads_read", "read_insights"),
        expires_at=None if days is None else T0 + timedelta(days=days),
    )


def test_insert_get_and_token(store: Store) -> None:
    assert store.connections.insert(make_connection("c1"), b"secret-1")
    assert not store.connections.insert(make_connection("c1", "Other"), b"secret-2")
    found = store.connections.get("c1")
    assert found == make_connection("c1")
    assert found is not None and found.last_check is None
    assert store.connections.token("c1") == b"secret-1"
    assert store.connections.get("missing") is None
    assert store.connections.token("missing") is None


def test_all_by_name_then_id(store: Store) -> None:
    for connection_id, name in (("c3", "Beta"), ("c2", "Alpha"), ("c1", "Beta")):
        store.connections.insert(make_connection(connection_id, name), b"x")
    assert [c.connection_id for c in store.connections.all()] == ["c2", "c1", "c3"]


def test_record_check_keeps_the_newest(store: Store) -> None:
    store.connections.insert(make_connection("c1"), b"x")
    assert store.connections.record_check("c1", check(12))
    found = store.connections.get("c1")
    assert found is not None and found.last_check == check(12)
    assert store.connections.record_check("c1", check(None, ok=False))
    found = store.connections.get("c1")
    assert found is not None and found.last_check == check(None, ok=False)
    assert not store.connections.record_check("missing", check(1))


def test_insert_with_a_check(store: Store) -> None:
    connection = make_connection("c1")
    checked = Connection(**{**connection.__dict__, "last_check": check(3)})
    store.connections.insert(checked, b"x")
    assert store.connections.get("c1") == checked


def test_delete(store: Store) -> None:
    store.connections.insert(make_connection("c1"), b"x")
    assert store.connections.delete("c1")
    assert not store.connections.delete("c1")
    assert store.connections.get("c1") is None and store.connections.token("c1") is None


def test_expiring_soonest_first(store: Store) -> None:
    for connection_id, days in (("c1", 30), ("c2", 5), ("c3", None), ("c4", 10)):
        store.connections.insert(make_connection(connection_id), b"x")
        store.connections.record_check(connection_id, check(days))
    store.connections.insert(make_connection("never-checked"), b"x")
    soon = store.connections.expiring(T0 + timedelta(days=10))
    assert [c.connection_id for c in soon] == ["c2", "c4"]
