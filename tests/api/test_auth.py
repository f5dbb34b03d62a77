"""X-API-Key on /reports/*, HTTP Basic on the dashboard, and what stays open."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from marketing_etl.api.credentials import PASSWORD_FILE, load_dashboard_auth
from tests.api.helpers import DASH_AUTH, fb_body, make_settings, running_api

NO_LOGIN = {"dashboard_username": None, "dashboard_password": None}


def test_api_key_required_when_configured(tmp_path: Path) -> None:
    with running_api(make_settings(tmp_path, api_keys="key-one, key-two")) as api:
        for headers in ({}, {"X-API-Key": "wrong"}):
            response = api.create(fb_body(), headers=headers)
            assert response.status_code == 401
            assert "X-API-Key" in response.json()["detail"]
            assert api.client.get("/reports/anything", headers=headers).status_code == 401
        assert api.create(fb_body(), headers={"X-API-Key": "key-two"}).status_code == 200
        assert api.client.get("/reports/unknown", headers={"X-API-Key": "key-one"}).status_code == 404
        for open_path in ("/healthz", "/docs", "/openapi.json"):
            assert api.client.get(open_path).status_code == 200, open_path


def test_no_api_key_needed_without_api_keys(tmp_path: Path) -> None:
    with running_api(make_settings(tmp_path)) as api:
        assert api.create(fb_body()).status_code == 200


def test_dashboard_basic_auth(tmp_path: Path) -> None:
    with running_api(make_settings(tmp_path)) as api:
        for path in ("/api/dashboard", "/api/dashboard/logs/x"):
            for auth in (None, ("admin", "wrong"), ("root", DASH_AUTH[1])):
                response = api.client.get(path, auth=auth)
                assert response.status_code == 401, (path, auth)
                assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert api.client.get("/api/dashboard", auth=DASH_AUTH).status_code == 200


def test_generated_dashboard_password_is_private_and_reused(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, **NO_LOGIN)
    with running_api(settings) as api:
        path = tmp_path / PASSWORD_FILE
        password = path.read_text().strip()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert password in capfd.readouterr().err
        assert api.client.get("/api/dashboard", auth=("admin", password)).status_code == 200
        assert api.client.get("/api/dashboard", auth=("admin", "guess")).status_code == 401

    with running_api(settings) as api:
        assert api.client.get("/api/dashboard", auth=("admin", password)).status_code == 200
    assert password not in capfd.readouterr().err  # printed only when generated
    assert path.read_text().strip() == password


def write_htpasswd(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def htpasswd_line(user: str, password: str) -> str:
    # `htpasswd -B` writes the $2y$ variant of bcrypt.
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    return f"{user}:{hashed.replace('$2b$', '$2y$', 1)}"


def test_htpasswd_bcrypt_file(tmp_path: Path) -> None:
    htpasswd = write_htpasswd(
        tmp_path / ".htpasswd",
        ["# team logins", htpasswd_line("alice", "s3cret"), htpasswd_line("bob", "b0b")],
    )
    with running_api(make_settings(tmp_path, dashboard_htpasswd=htpasswd, **NO_LOGIN)) as api:
        assert api.client.get("/api/dashboard", auth=("alice", "s3cret")).status_code == 200
        assert api.client.get("/api/dashboard", auth=("bob", "b0b")).status_code == 200
        assert api.client.get("/api/dashboard", auth=("alice", "b0b")).status_code == 401
        assert api.client.get("/api/dashboard", auth=("carol", "s3cret")).status_code == 401
    assert not (tmp_path / PASSWORD_FILE).exists()


@pytest.mark.parametrize(
    "line",
    ["alice:$apr1$abcdefgh$0123456789abcdefghijkl", "alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "alice"],
)
def test_htpasswd_with_other_hash_formats_is_refused_at_start(tmp_path: Path, line: str) -> None:
    htpasswd = write_htpasswd(tmp_path / ".htpasswd", [line])
    with pytest.raises(ValueError, match=r"htpasswd -B"):
        load_dashboard_auth(make_settings(tmp_path, dashboard_htpasswd=htpasswd, **NO_LOGIN))


def raw_basic(user: bytes, password: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(user + b":" + password).decode()}


LONG_PASSWORD = "p" * 72  # bcrypt's limit; htpasswd ignores anything after it


@pytest.mark.parametrize("use_htpasswd", [True, False], ids=["htpasswd", "settings"])
def test_any_wrong_password_or_malformed_header_is_401(tmp_path: Path, use_htpasswd: bool) -> None:
    if use_htpasswd:
        htpasswd = write_htpasswd(tmp_path / ".htpasswd", [htpasswd_line("alice", LONG_PASSWORD)])
        login: dict[str, Any] = {"dashboard_htpasswd": htpasswd, **NO_LOGIN}
    else:
        login = {"dashboard_username": "alice", "dashboard_password": LONG_PASSWORD}
    wrong_passwords = [b"q" * 73, b"x" * 10_000, b"\xff\xfe\x80 not utf-8", b"a\x00b", "pässwörd".encode()]
    headers: list[dict[str, str]] = [raw_basic(b"alice", password) for password in wrong_passwords]
    headers += [
        raw_basic(b"\xff\xfe", LONG_PASSWORD.encode()),  # a user name that is not UTF-8
        {"Authorization": "Basic !!not-base64!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic"},
        {"Authorization": "Bearer abc"},
    ]
    with running_api(make_settings(tmp_path, **login)) as api:
        for header in headers:
            for path in ("/dashboard", "/api/dashboard"):
                response = api.client.get(path, headers=header)
                assert response.status_code == 401, (path, header)
                assert response.headers["WWW-Authenticate"].startswith("Basic realm="), (path, header)
        assert api.client.get("/api/dashboard", auth=("alice", LONG_PASSWORD)).status_code == 200


def test_htpasswd_compares_the_first_72_bytes_as_htpasswd_does(tmp_path: Path) -> None:
    htpasswd = write_htpasswd(tmp_path / ".htpasswd", [htpasswd_line("alice", LONG_PASSWORD)])
    with running_api(make_settings(tmp_path, dashboard_htpasswd=htpasswd, **NO_LOGIN)) as api:
        longer = raw_basic(b"alice", LONG_PASSWORD.encode() + b"anything after byte 72")
        assert api.client.get("/api/dashboard", headers=longer).status_code == 200


def test_utf8_password_logs_in(tmp_path: Path) -> None:
    htpasswd = write_htpasswd(tmp_path / ".htpasswd", [htpasswd_line("zoë", "pässwörd")])
    with running_api(make_settings(tmp_path, dashboard_htpasswd=htpasswd, **NO_LOGIN)) as api:
        header = raw_basic("zoë".encode(), "pässwörd".encode())
        assert api.client.get("/api/dashboard", headers=header).status_code == 200


def test_damaged_bcrypt_hash_is_refused_at_start(tmp_path: Path) -> None:
    htpasswd = write_htpasswd(tmp_path / ".htpasswd", ["alice:$2y$05$damaged"])
    with pytest.raises(ValueError, match=r"damaged; recreate it with: htpasswd -B"):
        load_dashboard_auth(make_settings(tmp_path, dashboard_htpasswd=htpasswd, **NO_LOGIN))
