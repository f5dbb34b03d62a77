"""Pointing the real clients at the simulated APIs mounted under /sandbox of this same server."""

from __future__ import annotations

from urllib.parse import quote

from marketing_etl.sandbox.fakes.fx_api import MIRROR_PATH, PRIMARY_PATH
from marketing_etl.sandbox.fakes.tiktok_api import PREFIX as TIKTOK_PREFIX
from marketing_etl.settings import Settings

MOUNT_PATH = "/sandbox"
SERVICE_ACCOUNT_EMAIL = "sandbox-writer@marketing-etl-sandbox.iam.gserviceaccount.com"
# The key file is named after the account, as the fake token server writes it.
KEY_FILE_NAME = SERVICE_ACCOUNT_EMAIL.split("@")[0] + ".json"
UNSHARED_SPREADSHEET_ID = "demo-unshared"
_ANY_INTERFACE = {"", "0.0.0.0", "::"}


def sandbox_origin(settings: Settings) -> str:
    """Where this server's own clients reach it: loopback when it listens on every interface."""
    host = settings.host
    if host in _ANY_INTERFACE:
        host = "127.0.0.1" if host != "::" else "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def sandboxed(settings: Settings) -> Settings:
    """The settings with every external API replaced by its simulation (idempotent)."""
    base = sandbox_origin(settings) + MOUNT_PATH
    return settings.model_copy(
        update={
            "facebook_graph_url": f"{base}/facebook",
            "tiktok_api_url": f"{base}/tiktok{TIKTOK_PREFIX}",
            "google_sheets_api_url": f"{base}/google",
            "google_credentials_path": settings.data_dir / KEY_FILE_NAME,
            "fx_api_url": f"{base}/fx{PRIMARY_PATH}",
            "fx_api_fallback_url": f"{base}/fx{MIRROR_PATH}",
        }
    )


def viewer_url(settings: Settings, spreadsheet_id: str, gid: int | None = None) -> str:
    url = f"{sandbox_origin(settings)}{MOUNT_PATH}/sheets/{quote(spreadsheet_id, safe='')}"
    return url if gid is None else f"{url}?gid={gid}"
