"""Reaching the real services the suite needs (PostgreSQL, Redis).

Absent services skip the tests that need them, with the reason shown; with REQUIRE_SERVICES=1
(set by .ci/run) an absent service fails those tests instead.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def need(available: bool, what: str) -> None:
    if available:
        return
    if services_required():
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not reachable")
    pytest.skip(f"{what} not reachable; set REQUIRE_SERVICES=1 to make this a failure")


def port_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema in the test database; yields a DATABASE_URL whose search_path points at it,
    so parallel runs and earlier runs never see each other's tables."""
    need(port_open("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def redis_url() -> str:
    need(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    return REDIS_TEST_URL


_CLAIM_KEY = "marketing_etl:test-claim"


@contextmanager
def redis_database(claim_ttl_s: int = 900) -> Iterator[str]:
    """A Redis database (1-15) for this test alone, so parallel suites never share a queue.
    A database is taken by setting a claim key that only one run can set; it is emptied before
    use (whatever a crashed run left behind goes) and after."""
    import random
    from urllib.parse import urlsplit, urlunsplit

    import redis

    base = redis_url()
    for db in random.sample(range(1, 16), 15):
        url = urlunsplit(urlsplit(base)._replace(path=f"/{db}"))
        client = redis.Redis.from_url(url)
        try:
            if client.set(_CLAIM_KEY, uuid.uuid4().hex, nx=True, ex=claim_ttl_s):
                break
        finally:
            client.close()
    else:
        need(False, "a free Redis database (1-15 are all claimed by other test runs)")
    client = redis.Redis.from_url(url)
    try:
        _empty_except_claim(client)
        yield url
    finally:
        client.flushdb()
        client.close()


def _empty_except_claim(client: Any) -> None:
    for key in client.scan_iter():
        if key != _CLAIM_KEY.encode():
            client.delete(key)
