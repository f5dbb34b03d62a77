"""Example create-job bodies shown in /docs: the seed README's Facebook and TikTok requests.

Two changes from the README so that "Try it out" passes validation: the spreadsheet id is a
full-length id (the README's "1A2B3C..." is a placeholder), and the Facebook example's task
type matches its template ("Campaign Overview Report" is a facebook_performance template).
"""

from __future__ import annotations

from typing import Any

_SPREADSHEET_ID = "1A2B3C4D5E6F7G8H9I0JkLmNoPqRsTuVwXyZ012345"

FACEBOOK_EXAMPLE: dict[str, Any] = {
    "task_type": "facebook_performance",
    "job_id": "job_fb_001",
    "task_id": "task_fb_001",
    "access_token": "YOUR_FB_ACCESS_TOKEN",
    "start_date": "2023-10-01",
    "end_date": "2023-10-07",
    "user_email": "user@example.com",
    "spreadsheet_id": _SPREADSHEET_ID,
    "sheet_name": "FB_Report",
    "template_name": "Campaign Overview Report",
    "accounts": [{"id": "act_123456789", "name": "My Ad Account"}],
    "selected_fields": [
        "campaign_name",
        "spend",
        "impressions",
        "clicks",
        "ctr",
        "cpc",
        "Purchases",
        "Cost Purchases",
        "Purchase ROAS",
    ],
}

TIKTOK_EXAMPLE: dict[str, Any] = {
    "task_type": "product",
    "job_id": "job_tt_001",
    "task_id": "task_tt_001",
    "access_token": "YOUR_TIKTOK_ACCESS_TOKEN",
    "start_date": "2023-10-01",
    "end_date": "2023-10-07",
    "user_email": "user@example.com",
    "spreadsheet_id": _SPREADSHEET_ID,
    "sheet_name": "TikTok_Product_Report",
    "advertiser_id": "123456789",
    "store_id": "987654321",
}

CREATE_JOB_EXAMPLES: dict[str, Any] = {
    "facebook": {"summary": "Facebook Ads campaign report", "value": FACEBOOK_EXAMPLE},
    "tiktok": {"summary": "TikTok GMV Max product report", "value": TIKTOK_EXAMPLE},
}

RETRY_EXAMPLES: dict[str, Any] = {
    "stored_token": {"summary": "Reuse the stored access token", "value": {}},
    "new_token": {
        "summary": "Send a new access token (the stored one was deleted)",
        "value": {"access_token": "YOUR_NEW_ACCESS_TOKEN"},
    },
}
