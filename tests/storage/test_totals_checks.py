"""Contract: each job's totals check — stored with exact decimals, replaced by a retry's,
mismatches counted in a window, and pruned with their jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from marketing_etl.contracts.store import Store
from marketing_etl.contracts.totals import MetricComparison, TotalsCheck, TotalsOutcome
from marketing_etl.maintenance import prune_once
from marketing_etl.models import JobStatus
from tests.storage.factory import T0
from tests.storage.test_pruning import JOB_CUTOFF, MS, NOW, add_job, services

HOUR = timedelta(hours=1)


def check(job_id: str, outcome: TotalsOutcome, at: datetime = T0) -> TotalsCheck:
    return TotalsCheck(
        job_id=job_id,
        checked_at=at,
        outcome=outcome,
        comparisons=(
            MetricComparison("act_1", "Spend", Decimal("1234.567891"), Decimal("1234.56"), True),
            MetricComparison("act_1", "Purchases", Decimal("10"), Decimal("7"), False, "off-Meta"),
        ),
        notes=("Reach is not additive: not compared.",),
    )


def test_put_get_keeps_every_decimal_and_note(store: Store) -> None:
    store.totals_checks.put(check("j1", TotalsOutcome.MISMATCH))

    got = store.totals_checks.get("j1")

    assert got == check("j1", TotalsOutcome.MISMATCH)
    assert got is not None and got.mismatches == (got.comparisons[1],)
    assert got.checked_at.tzinfo is not None
    assert store.totals_checks.get("unknown") is None


def test_a_retry_replaces_the_earlier_check(store: Store) -> None:
    store.totals_checks.put(check("j1", TotalsOutcome.MISMATCH))
    later = TotalsCheck("j1", T0 + HOUR, TotalsOutcome.MATCH)
    store.totals_checks.put(later)

    assert store.totals_checks.get("j1") == later
    assert store.totals_checks.count_mismatches(None, None) == 0


def test_mismatches_counted_in_a_half_open_window(store: Store) -> None:
    store.totals_checks.put(check("before", TotalsOutcome.MISMATCH, T0 - MS))
    store.totals_checks.put(check("at-start", TotalsOutcome.MISMATCH, T0))
    store.totals_checks.put(check("match", TotalsOutcome.MATCH, T0 + HOUR))
    store.totals_checks.put(check("skipped", TotalsOutcome.SKIPPED, T0 + HOUR))
    store.totals_checks.put(check("at-end", TotalsOutcome.MISMATCH, T0 + 2 * HOUR))

    assert store.totals_checks.count_mismatches(T0, T0 + 2 * HOUR) == 1
    assert store.totals_checks.count_mismatches(T0, None) == 2
    assert store.totals_checks.count_mismatches(None, T0) == 1
    assert store.totals_checks.count_mismatches(None, None) == 3


def test_delete_for_jobs_drops_only_theirs(store: Store) -> None:
    for job_id in ("a", "b", "c"):
        store.totals_checks.put(check(job_id, TotalsOutcome.MISMATCH))

    assert store.totals_checks.delete_for_jobs(["a", "c", "missing"]) == 2
    assert store.totals_checks.delete_for_jobs([]) == 0
    assert [store.totals_checks.get(j) is None for j in ("a", "b", "c")] == [True, False, True]


def test_pruned_jobs_take_their_checks_with_them(store: Store) -> None:
    add_job(store, "older", JobStatus.SUCCESS, JOB_CUTOFF - MS, [NOW - timedelta(days=1)])
    add_job(store, "newer", JobStatus.SUCCESS, JOB_CUTOFF + MS, [NOW - timedelta(days=1)])
    for job_id in ("older", "newer"):
        store.totals_checks.put(check(job_id, TotalsOutcome.MISMATCH, NOW - timedelta(days=1)))

    prune_once(services(store), NOW.replace(tzinfo=UTC))

    assert store.totals_checks.get("older") is None
    assert store.totals_checks.get("newer") is not None
