"""Keyset pages, the plan every backend runs (contracts/job_pages.py says what a page is).

The rows after a key are read as a few slices (`Segment`s), each one simple enough for an index
to answer in order: the rest of the key's own value (field = value, job_id beyond the key's), then
the values beyond it, then the empty values if they come last. The status has a handful of
values, so each value is its own slice: its index (status, job_id) then hands over rows already in
job_id order instead of sorting a whole status's jobs. Task types are open (each installed plugin
adds its own), so they are read like any other text field, in (task_type, job_id) order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Literal

from marketing_etl.contracts.job_pages import JobPage, PageKey
from marketing_etl.models import NULLABLE_SORT_FIELDS, Job, JobFilter, JobSort, JobStatus

# Fields with few values, read value by value (in the order a database sorts them).
ENUM_SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "status": tuple(sorted(s.value for s in JobStatus)),
}


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool
    ids_descending: bool = False  # only when reading backwards (a previous page)

    @classmethod
    def of(cls, sort: str) -> Ordering:
        parsed = JobSort.parse(sort)
        return cls(parsed.field, parsed.descending)

    def reversed(self) -> Ordering:
        return Ordering(self.field, not self.descending, not self.ids_descending)

    @property
    def nulls_first(self) -> bool:
        # Empty is the smallest value, whichever way the field is read.
        return not self.descending

    @property
    def ids_desc(self) -> bool:
        """Whether job_ids are read descending (sorting by job_id itself: its own direction)."""
        return self.descending if self.field == "job_id" else self.ids_descending

    def key_of(self, job: Job) -> PageKey:
        value = job.job_id if self.field == "job_id" else getattr(job, self.field, None)
        if value is None and self.field not in NULLABLE_SORT_FIELDS:
            value = getattr(job.spec, self.field)
        return PageKey(getattr(value, "value", value), job.job_id)


@dataclass(frozen=True)
class Segment:
    """A slice of the order. `op`: "eq" (field == value), "beyond" (field after value in the
    order), "null", "not_null" or "any". `after_id`: only job_ids after it (in the id order).
    Read ordered by the field then job_id (`ordering`), "eq"/"null" slices by job_id alone."""

    ordering: Ordering
    op: Literal["eq", "beyond", "null", "not_null", "any"]
    value: Any = None
    after_id: str | None = None

    @property
    def by_id_only(self) -> bool:
        return self.op in ("eq", "null") or self.ordering.field == "job_id"


def segments(ordering: Ordering, key: PageKey | None) -> list[Segment]:
    """The slices that together hold, in order, every job after `key` (all jobs without one)."""
    name = ordering.field
    if name == "job_id":
        return [Segment(ordering, "any", after_id=None if key is None else key.job_id)]
    nullable = name in NULLABLE_SORT_FIELDS
    nulls_last = nullable and not ordering.nulls_first
    if key is None:
        head = [Segment(ordering, "null")] if nullable and ordering.nulls_first else []
        tail = [Segment(ordering, "null")] if nulls_last else []
        return [*head, *_values(ordering, None, nullable), *tail]
    if key.value is None:
        rest = _values(ordering, None, nullable) if ordering.nulls_first else []
        return [Segment(ordering, "null", after_id=key.job_id), *rest]
    tail = [Segment(ordering, "null")] if nulls_last else []
    return [Segment(ordering, "eq", key.value, key.job_id), *_values(ordering, key.value, nullable), *tail]


def _values(ordering: Ordering, beyond: Any, nullable: bool) -> list[Segment]:
    """The non-empty values after `beyond` (all of them for None)."""
    known = ENUM_SORT_FIELDS.get(ordering.field)
    if known is not None:
        values = sorted(known, reverse=ordering.descending)
        if beyond is not None:
            values = [v for v in values if (v < beyond if ordering.descending else v > beyond)]
        return [Segment(ordering, "eq", v) for v in values]
    if beyond is not None:
        return [Segment(ordering, "beyond", beyond)]
    return [Segment(ordering, "not_null" if nullable else "any")]


class KeysetPages(ABC):
    """JobPages on top of two reads a backend provides: one slice, and (for old clients) a
    page after skipping rows."""

    @abstractmethod
    def _read(self, flt: JobFilter, segment: Segment, limit: int) -> list[Job]:
        """At most `limit` jobs of the slice that match the filter, in the slice's order."""

    @abstractmethod
    def _skip(self, flt: JobFilter, sort: str, offset: int, limit: int) -> list[Job]:
        """list_jobs' page: `limit` jobs after skipping `offset`."""

    def page(
        self,
        flt: JobFilter,
        sort: str,
        limit: int,
        *,
        after: PageKey | None = None,
        before: PageKey | None = None,
        offset: int = 0,
    ) -> JobPage:
        if limit < 0 or offset < 0:
            raise ValueError("offset and limit must be zero or more")
        if after is not None and before is not None:
            raise ValueError("a page follows one key: give `after` or `before`, not both")
        ordering = Ordering.of(sort)
        if limit == 0:
            return JobPage()
        if before is not None:
            # Read backwards from the key; one job more tells whether still more precede.
            rows = self._walk(flt, ordering.reversed(), before, limit + 1)
            if len(rows) > limit:
                return JobPage(rows[limit - 1 :: -1], more_after=True, more_before=True)
            after, offset = None, 0  # near the start: the first page, full
        if after is None and offset:
            rows = self._skip(flt, sort, offset, limit + 1)
            return JobPage(rows[:limit], more_after=len(rows) > limit, more_before=True)
        rows = self._walk(flt, ordering, after, limit + 1)
        return JobPage(rows[:limit], more_after=len(rows) > limit, more_before=after is not None)

    def _walk(self, flt: JobFilter, ordering: Ordering, key: PageKey | None, want: int) -> list[Job]:
        rows: list[Job] = []
        for segment in segments(ordering, key):
            rows += self._read(flt, segment, want - len(rows))
            if len(rows) >= want:
                break
        return rows
