"""Account discovery (Facebook ad accounts, TikTok advertisers and GMV Max stores) and the
spreadsheet access check, against the fakes over real HTTP."""

from __future__ import annotations

from typing import Any

from marketing_etl.sandbox.demo_data import TIKTOK_ADVERTISER_ID, TIKTOK_STORE_ID, TIKTOK_STORE_NAME
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN as FACEBOOK_TOKEN
from tests.connections.conftest import (
    ACCOUNTS,
    SERVICE_EMAIL,
    SHARED_SHEET,
    TIKTOK_TOKEN,
    UNSHARED_SHEET,
    Server,
)
from tests.connections.test_connections_api import save


def test_ad_accounts_page_through_graph_cursors(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    world_accounts = sorted(server.fakes.graph.world.accounts.values(), key=lambda a: a.id)
    seen: list[dict[str, Any]] = []
    after = ""
    pages = 0
    while True:
        page = server.http.get(
            f"/connections/{connection_id}/ad-accounts", params={"limit": 3, "after": after}
        )
        assert page.status_code == 200, page.text
        body = page.json()
        seen += body["accounts"]
        pages += 1
        if body["next"] is None:
            break
        after = body["next"]
    assert pages == 3  # 7 accounts, 3 a page
    assert [a["account_id"] for a in seen] == [f"act_{a.id}" for a in world_accounts]
    first = world_accounts[0]
    assert seen[0] == {
        "account_id": f"act_{first.id}",
        "name": first.name,
        "currency": first.currency,
        "timezone_name": first.timezone_name,
        "status": "active",
    }
    requests = server.fakes.graph.calls("GET", "me/adaccounts")
    assert len(requests) == 3 and requests[1].params["after"] and requests[0].params["limit"] == "3"


def test_ad_accounts_search_by_name_or_id(server: Server) -> None:
    connection_id = save(server)["connection_id"]
    accounts = sorted(server.fakes.graph.world.accounts.values(), key=lambda a: a.id)
    by_name = server.http.get(
        f"/connections/{connection_id}/ad-accounts", params={"q": "ACCOUNT 6", "limit": 2}
    )
    assert [a["name"] for a in by_name.json()["accounts"]] == ["Account 6"]
    by_id = server.http.get(f"/connections/{connection_id}/ad-accounts", params={"q": accounts[2].id})
    assert [a["account_id"] for a in by_id.json()["accounts"]] == [f"act_{accounts[2].id}"]
    assert by_id.json()["next"] is None
    nothing = server.http.get(f"/connections/{connection_id}/ad-accounts", params={"q": "no such account"})
    assert nothing.json() == {"accounts": [], "next": None}
    assert len(accounts) == ACCOUNTS


def test_tiktok_advertisers_with_gmv_max_stores_only(server: Server) -> None:
    connection_id = save(server, "tiktok", TIKTOK_TOKEN)["connection_id"]
    answer = server.http.get(f"/connections/{connection_id}/advertisers")
    assert answer.status_code == 200, answer.text
    # The fake lists an "Other" store without GMV Max, and the demo store twice.
    assert answer.json() == {
        "advertisers": [
            {
                "advertiser_id": TIKTOK_ADVERTISER_ID,
                "name": "Demo Advertiser",
                "currency": "USD",
                "timezone": "Asia/Ho_Chi_Minh",
                "stores": [{"store_id": TIKTOK_STORE_ID, "name": TIKTOK_STORE_NAME}],
            }
        ]
    }


def test_discovery_refuses_the_other_platform(server: Server) -> None:
    facebook = save(server)["connection_id"]
    tiktok = save(server, "tiktok", TIKTOK_TOKEN)["connection_id"]
    wrong = server.http.get(f"/connections/{tiktok}/ad-accounts")
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["path", "connection_id"]
    assert "tiktok connection" in wrong.json()["detail"][0]["msg"]
    assert server.http.get(f"/connections/{facebook}/advertisers").status_code == 422
    assert FACEBOOK_TOKEN not in wrong.text


def test_check_access_shared_and_unshared(server: Server) -> None:
    server.fakes.google.books[SHARED_SHEET].title = "Q1 report"
    url = f"https://docs.google.com/spreadsheets/d/{SHARED_SHEET}/edit#gid=0"
    shared = server.http.post("/sheets/check-access", json={"spreadsheet": url})
    assert shared.status_code == 200, shared.text
    assert shared.json() == {
        "spreadsheet_id": SHARED_SHEET,
        "ok": True,
        "title": "Q1 report",
        "tabs": ["Sheet1"],
        "client_email": SERVICE_EMAIL,
        "message": f"{SERVICE_EMAIL} can open this spreadsheet.",
    }
    unshared = server.dashboard("POST", "/sheets/check-access", json={"spreadsheet": UNSHARED_SHEET})
    assert unshared.json() == {
        "spreadsheet_id": UNSHARED_SHEET,
        "ok": False,
        "title": None,
        "tabs": [],
        "client_email": SERVICE_EMAIL,
        "message": f"Share it with {SERVICE_EMAIL} as Editor",
    }
    missing = server.http.post("/sheets/check-access", json={"spreadsheet": "1NoSuchSpreadsheetAnywhere000"})
    assert missing.json()["ok"] is False and "not found" in missing.json()["message"]
    bad = server.http.post("/sheets/check-access", json={"spreadsheet": "not a sheet!"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "spreadsheet"]
