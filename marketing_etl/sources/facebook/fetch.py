"""One job's fetch: every account and date window, many accounts at once, rows out in order.

Work items are (date window, part of it, account), submitted window by window to a pool of
FACEBOOK_MAX_CONCURRENCY threads, each part's pages read in sequence by its thread. How many
requests are really in flight is the client's gate's business (pacing.py: fewer as Facebook's
usage rises). A window has one part per account, unless the job has fewer accounts than threads:
then a long range is cut into async runs fetched side by side. Object metadata is read while the
pages arrive (metadata.ReadAhead). Rows leave one window at a time, sorted by (date, account,
object, breakdown values), so the order does not depend on which request finished first. A
window may hold the whole report, so its rows wait on disk (row_spool.py): memory holds a few
thousand rows per running account and a block per sorted run while a window is merged.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import AccountInfoLookup
from marketing_etl.job_spec import Account
from marketing_etl.sources.facebook.account_info import read_account_info
from marketing_etl.sources.facebook.allowances import Allowances
from marketing_etl.sources.facebook.client import GraphClient
from marketing_etl.sources.facebook.graph_errors import AccountForbidden
from marketing_etl.sources.facebook.insights import InsightsFetcher, Slice, date_windows
from marketing_etl.sources.facebook.metadata import MetadataCache, ReadAhead
from marketing_etl.sources.facebook.plan import ReportPlan
from marketing_etl.sources.facebook.row_spool import RunWriter, TaskRows, WindowFiles, merged
from marketing_etl.sources.facebook.rows import Partial, RowShaper
from marketing_etl.sources.facebook.throttle import FacebookTuning

log = logging.getLogger(__name__)

Window = tuple[date, date]
Task = tuple[Window, Window, int]  # (date window, the part of it fetched, index into the accounts)
PROGRESS_FROM, PROGRESS_TO = 5, 90


class ReportFetch:
    def __init__(
        self,
        ctx: JobContext,
        plan: ReportPlan,
        tuning: FacebookTuning,
        account_info: AccountInfoLookup | None,
        allowances: Allowances,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._ctx = ctx
        self._plan = plan
        self._tuning = tuning
        self._transport = transport
        self._accounts = ctx.spec.accounts
        self._skipped: set[str] = set()  # refused accounts, warned about once and not asked again
        self._account_info = account_info  # filled before the first row, when the report needs it
        self._allowances = allowances
        self._concurrency = ctx.settings.facebook_max_concurrency
        self._lock = threading.Lock()
        self._files = WindowFiles()

    def rows(self) -> Iterator[list[Any]]:
        """Lazily: nothing is fetched until the destination starts reading."""
        client = GraphClient(self._ctx, self._tuning, self._concurrency, transport=self._transport)
        pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix=f"fb-{self._ctx.job_id}")
        try:
            fetcher = InsightsFetcher(client, self._plan, self._tuning, self._allowances)
            cache = MetadataCache(client, self._plan.meta_keys)
            tasks = self._tasks(fetcher)
            if self._account_info is not None:
                read_account_info(client, self._accounts, self._account_info)
            yield from self._ordered(tasks, pool, lambda task: self._fetch_task(task, fetcher, cache, client))
            log.info("Up to %d Facebook requests were in flight at once", client.gate.peak_in_flight)
            if client.limiter.waited_s:
                log.info("Waited %.1f s in total for Facebook's rate limits", client.limiter.waited_s)
        finally:
            client.aborted.set()  # running accounts stop at their next call
            pool.shutdown(wait=True, cancel_futures=True)
            client.close()
            self._files.close()

    def _tasks(self, fetcher: InsightsFetcher) -> list[Task]:
        windows = date_windows(self._plan, self._ctx.spec.fetch_start_date, self._ctx.spec.end_date)
        ways = max(1, self._concurrency // max(1, len(self._accounts)))
        return [
            (window, part, index)
            for window in windows
            for index in range(len(self._accounts))
            for part in fetcher.parallel_ranges(*window, ways)
        ]

    def _ordered(
        self, tasks: list[Task], pool: ThreadPoolExecutor, run: Callable[[Task], Future[TaskRows]]
    ) -> Iterator[list[Any]]:
        queue: deque[tuple[Task, Future[Future[TaskRows]]]] = deque()
        upcoming = iter(tasks)

        def submit_next() -> None:
            task = next(upcoming, None)
            if task is not None:
                # Each task runs in a copy of this context, so its log lines reach the job's log.
                queue.append((task, pool.submit(contextvars.copy_context().run, run, task)))

        for _ in range(2 * self._concurrency):
            submit_next()
        window: list[TaskRows] = []  # in task order: equal keys keep it
        done = 0
        while queue:
            (dates, _, _), future = queue.popleft()
            window.append(future.result().result())
            submit_next()
            done += 1
            self._report_progress(done, len(tasks), dates)
            if not queue or queue[0][0][0] != dates:
                yield from merged(self._files.take(dates), window)
                window = []

    def _fetch_task(
        self, task: Task, fetcher: InsightsFetcher, cache: MetadataCache, client: GraphClient
    ) -> Future[TaskRows]:
        """The account's insights for the part of the window. Full batches of its objects are
        read while its pages arrive; the rest goes to the client's helper threads, so this thread
        can start the next account one call earlier."""
        window, (since, until), index = task
        account = self._accounts[index]
        shaper = RowShaper(self._plan, account, index)
        ahead = None
        if self._plan.meta_keys:
            ahead = ReadAhead(cache, client.in_background, account.id, lambda: shaper.currency)

        def shape(raw: dict[str, Any]) -> Partial:
            partial = shaper.partial(raw)
            if ahead is not None:
                ahead.note(partial.object_id)
            return partial

        writer = RunWriter(self._files.get(window), shape)
        if account.id not in self._skipped:
            try:
                fetcher.fetch(Slice(account.id, since, until), writer)
            except AccountForbidden as exc:
                self._forbidden(account, exc)
                writer.discard()
        client.gate.forget(account.id)  # its usage no longer holds the other accounts back
        if self._plan.meta_keys and writer.rows:
            return client.in_background(self._complete, account, shaper, writer, cache, client)
        done: Future[TaskRows] = Future()
        done.set_result(TaskRows(writer.finish(), lambda p: shaper.complete(p, {})))
        return done

    def _complete(
        self,
        account: Account,
        shaper: RowShaper,
        writer: RunWriter,
        cache: MetadataCache,
        client: GraphClient,
    ) -> TaskRows:
        runs = writer.finish()
        try:
            metas = cache.lookup(writer.object_ids, account_id=account.id, currency=shaper.currency)
        except AccountForbidden as exc:
            self._forbidden(account, exc)
            return TaskRows([], list)
        finally:
            client.gate.forget(account.id)
        return TaskRows(runs, lambda p: shaper.complete(p, metas))

    def _forbidden(self, account: Account, exc: AccountForbidden) -> None:
        label = f"{account.name} ({account.id})" if account.name else account.id
        if not self._ctx.settings.facebook_skip_forbidden_accounts:
            raise AccountForbidden(
                account.id,
                f"{exc.reason}. Check that the access token's user can see ad account {label}, "
                "or remove the account from the job.",
            ) from exc
        with self._lock:
            first = account.id not in self._skipped
            if first:
                self._skipped.add(account.id)
        if first:
            self._ctx.warn(f"Skipped ad account {label}: Facebook refused access ({exc.reason})")

    def _report_progress(self, done: int, total: int, dates: Window) -> None:
        percent = PROGRESS_FROM + (PROGRESS_TO - PROGRESS_FROM) * done // max(1, total)
        self._ctx.progress(percent, f"Fetched Facebook data {done}/{total} ({dates[0]} to {dates[1]})")
