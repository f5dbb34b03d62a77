"""The totals check as a step of the job's path (runner.py): the source's rows are summed as
they stream to the destination, before any transform converts their currency, so both sides
are in the account's own currency; once the last row has been read the platform's totals are
asked for (one call per account, recorded like every call) and compared, the check is stored
with the job, and each difference becomes a warning in the job's final message and log.

A report without its account column adds up all its accounts together ("all accounts").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Report, account_key
from marketing_etl.contracts.totals import TotalsCheck, TotalsOutcome
from marketing_etl.contracts.totals_probe import AccountTotals, PlatformTotals
from marketing_etl.errors import EtlError
from marketing_etl.models import utcnow
from marketing_etl.transforms.totals_compare import compare, mismatch_message

ALL_ACCOUNTS = "all accounts"


class TotalsStep:
    def __init__(self, ctx: JobContext, report: Report, probe: PlatformTotals, platform_name: str) -> None:
        self.ctx = ctx
        self.probe = probe
        self.platform_name = platform_name
        self._sums: defaultdict[str, defaultdict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self._headers = [column.name for column in report.columns]
        account_column = report.description.account_column
        self._account_at = self._headers.index(account_column) if account_column in self._headers else None
        self.report = replace(report, rows=self._summed(report))  # its rows summed as read

    @classmethod
    def start(cls, ctx: JobContext, report: Report, platform_name: str) -> TotalsStep | None:
        """None when TOTALS_CHECK=0 or the source offers no totals (nothing is stored then)."""
        probe = report.description.totals
        if probe is None or not ctx.settings.totals_check:
            return None
        return cls(ctx, report, probe, platform_name)

    def _summed(self, report: Report) -> Iterator[Sequence[Any]]:
        headers, account_at = self._headers, self._account_at
        wanted = [(headers.index(c.column), c.column) for c in self.probe.columns if c.column in headers]
        for row in report.rows:
            account = account_key(row[account_at]) if account_at is not None else ALL_ACCOUNTS
            sums = self._sums[account]
            for index, column in wanted:
                sums[column] += _decimal(row[index])
            yield row

    def finish(self) -> None:
        """After the destination has read every row: compare, store, warn. A platform that
        fails to answer leaves the job as it is, with a line in its log."""
        try:
            platform = self.probe.fetch()
        except EtlError as exc:
            self.ctx.log(f"Totals check skipped: {exc.user_message}", "WARNING")
            return
        if self._account_at is None:
            platform = {ALL_ACCOUNTS: _added(platform.values())} if platform else {}
        check = compare(self.ctx.job_id, utcnow(), self.probe.columns, platform, self._sums, self.probe.notes)
        self.ctx.totals_checks.put(check)
        self._report(check)

    def _report(self, check: TotalsCheck) -> None:
        if check.outcome is TotalsOutcome.SKIPPED:
            self.ctx.log("Totals check: nothing to compare")
            return
        for mismatch in check.mismatches:
            self.ctx.warn(mismatch_message(mismatch, self.platform_name))
        if check.outcome is TotalsOutcome.MATCH:
            compared = len(check.comparisons)
            self.ctx.log(f"Totals check: {compared} totals match {self.platform_name}'s")


def _decimal(value: object) -> Decimal:
    if value is None or value == "" or isinstance(value, bool):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _added(answers: Iterable[AccountTotals]) -> AccountTotals:
    answers = list(answers)
    currencies = {answer.currency for answer in answers}
    totals: defaultdict[str, Decimal] = defaultdict(Decimal)
    for answer in answers:
        for column, value in answer.totals.items():
            totals[column] += value
    return AccountTotals(currencies.pop() if len(currencies) == 1 else "", dict(totals))
