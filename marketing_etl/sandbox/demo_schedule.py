"""The sandbox's standing example of a schedule: yesterday's Ad Daily Report every morning, with
the last week refreshed in place as the demo accounts' purchases settle (demo_data.SETTLING_DAYS).

Created when the sandbox starts without a schedule of that name: edit or pause it freely; a
deleted one comes back at the next start, like the rest of the demo.
"""

from __future__ import annotations

from marketing_etl.schedules.manage import Checked, check, create
from marketing_etl.schedules.model import Schedule, ScheduleDefinition
from marketing_etl.services import Services

DEMO_SCHEDULE_NAME = "Demo: Ads daily, settling"
REFRESH_DAYS = 7

DEMO_SCHEDULE = ScheduleDefinition(
    name=DEMO_SCHEDULE_NAME,
    cron="0 6 * * *",
    timezone="UTC",
    date_range="yesterday",
    job={
        "task_type": "facebook_daily",
        "access_token": "sandbox-demo",
        "user_email": "demo@example.com",
        "spreadsheet_id": "demo",
        "sheet_name": "Ads settling",
        "template_name": "Ad Daily Report",
        "accounts": [{"id": "act_123456789", "name": "Demo Shop US"}],
        "refresh_days": REFRESH_DAYS,
    },
)


def ensure_demo_schedule(services: Services) -> Schedule | None:
    """The demo schedule, created unless one of that name exists; None when nothing was created."""
    if any(schedule.name == DEMO_SCHEDULE_NAME for schedule in services.store.schedules.all()):
        return None
    checked = check(services, DEMO_SCHEDULE, token_stored=False)
    if not isinstance(checked, Checked):
        problems = "; ".join(f"{p.field}: {p.message}" for p in checked)
        raise RuntimeError(f"the sandbox's demo schedule no longer passes the create-job rules: {problems}")
    return create(services, DEMO_SCHEDULE, checked)
