"""/metrics counts rows pruned by any process: the totals are read from the store."""

from __future__ import annotations

from pathlib import Path

from marketing_etl.maintenance import prune_once
from marketing_etl.models import utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.wiring import build_services, open_store
from tests.executors.support import make_settings
from tests.maintenance.support import add_old_job
from tests.production.test_metrics import scrape


def test_pruned_rows_by_kind_from_another_process(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    api_store = open_store(settings.resolved_database_url)  # the API process, scraped
    scheduler = build_services(settings, Plugins())  # a scheduler process, pruning
    try:
        before = scrape(api_store, utcnow())
        add_old_job(scheduler.store, "old-1", calls=120)
        add_old_job(scheduler.store, "old-2", calls=80)
        prune_once(scheduler, utcnow(), batch_rows=50)
        after = scrape(api_store, utcnow())
    finally:
        scheduler.close()
        api_store.close()
    kinds = ("jobs", "logs", "api_calls")
    assert [before[f'marketing_etl_pruned_rows_total{{kind="{kind}"}}'] for kind in kinds] == [0, 0, 0]
    assert [after[f'marketing_etl_pruned_rows_total{{kind="{kind}"}}'] for kind in kinds] == [2, 2, 200]
