"""Real nginx (Debian's package) on loopback, with the deploy template rendered the way the
nginx image renders it, in front of an app served by uvicorn."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fakes.server import free_port
from tests.services import need, port_open

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "default.conf.template"


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    need(found is not None, "nginx (Debian package nginx)")
    assert found is not None
    return found


def htpasswd_binary() -> str:
    found = shutil.which("htpasswd")
    need(found is not None, "htpasswd (Debian package apache2-utils)")
    assert found is not None
    return found


def add_user(path: Path, user: str, password: str) -> None:
    """`htpasswd -B`, as the README tells operators to do."""
    args = [htpasswd_binary(), "-B", "-b", *([] if path.exists() else ["-c"]), str(path), user, password]
    subprocess.run(args, check=True, capture_output=True)


def render(template: str, values: dict[str, str]) -> str:
    """What the image's envsubst step does: replace ${NAME} of the given names only."""
    for name, value in values.items():
        template = template.replace("${" + name + "}", value)
    return template


def main_config(prefix: Path, server_conf: Path) -> str:
    """The parts of the image's nginx.conf a test needs, every path inside `prefix`."""
    user = pwd.getpwuid(os.geteuid()).pw_name
    return f"""
daemon off;
user {user};
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    default_type application/octet-stream;
    include {server_conf};
}}
"""


@contextmanager
def nginx_in_front(
    app_url: str, htpasswd: Path, prefix: Path, flower_url: str = "http://127.0.0.1:9"
) -> Iterator[str]:
    """Yield nginx's base URL while it proxies to `app_url`, and /flower/ to `flower_url` (by
    default a port nothing listens on, like compose without the monitoring profile)."""
    binary = nginx_binary()
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server_conf = prefix / "default.conf"
    server_conf.write_text(
        render(
            TEMPLATE.read_text(),
            {
                "APP_UPSTREAM": app_url.removeprefix("http://"),
                "NGINX_LISTEN": f"127.0.0.1:{port}",
                "NGINX_HTPASSWD": str(htpasswd),
                "FLOWER_UPSTREAM": flower_url.removeprefix("http://"),
                "NGINX_RESOLVER": "127.0.0.1",
            },
        )
    )
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(prefix, server_conf))
    command = [binary, "-p", f"{prefix}/", "-e", str(prefix / "error.log"), "-c", str(conf)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port, 0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"nginx did not start: {(prefix / 'error.log').read_text()}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()
