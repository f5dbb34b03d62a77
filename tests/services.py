"""Reaching the real services the suite needs (PostgreSQL, Redis).

Absent services skip the tests that need them, with the reason shown; with REQUIRE_SERVICES=1
(set by .ci/run) an absent service fails those tests instead.

The servers come from TEST_POSTGRES_URL and TEST_REDIS_URL, read when a test asks for them (not at
import), and the availability probe uses the host and port of those same URLs. Only this machine
is allowed (127.0.0.1, localhost, ::1): a URL naming any other host fails the test that uses it,
so the suite never creates or flushes anything on another machine.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# libpq query parameters that would send the connection somewhere other than the URL's host.
_PG_HOST_OVERRIDES = ("host", "hostaddr", "service")


def postgres_admin_url() -> str:
    """TEST_POSTGRES_URL (or the local default), refused unless it names this machine."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    _local_endpoint(url, "TEST_POSTGRES_URL", 5432)
    return url


def redis_test_url() -> str:
    """TEST_REDIS_URL (or the local default), refused unless it names this machine."""
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    _local_endpoint(url, "TEST_REDIS_URL", 6379)
    return url


def _local_endpoint(url: str, variable: str, default_port: int) -> tuple[str, int]:
    """(host, port) of `url`; fails the test unless the host is this machine. The URL itself is
    never shown, since it may carry a password."""
    parts = urlsplit(url)
    host = parts.hostname
    if host not in LOCAL_HOSTS:
        pytest.fail(
            f"{variable} names host {host!r}; the tests only connect to services on this machine "
            f"({', '.join(LOCAL_HOSTS)}). Point {variable} at a local server or unset it.",
            pytrace=False,
        )
    overrides = sorted(set(parse_qs(parts.query)) & set(_PG_HOST_OVERRIDES))
    if variable == "TEST_POSTGRES_URL" and overrides:
        pytest.fail(
            f"{variable} sets {', '.join(overrides)} in its query, which could send the connection to "
            "another machine; name the local host in the URL itself instead.",
            pytrace=False,
        )
    try:
        port = parts.port or default_port
    except ValueError:
        pytest.fail(f"{variable} has an invalid port.", pytrace=False)
    return host, port


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
    admin_url = postgres_admin_url()
    host, port = _local_endpoint(admin_url, "TEST_POSTGRES_URL", 5432)
    need(port_open(host, port), f"PostgreSQL on {host}:{port} (TEST_POSTGRES_URL)")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        separator = "&" if "?" in admin_url else "?"
        yield f"{admin_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def redis_url() -> str:
    url = redis_test_url()
    host, port = _local_endpoint(url, "TEST_REDIS_URL", 6379)
    need(port_open(host, port), f"Redis on {host}:{port} (TEST_REDIS_URL)")
    return url


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
