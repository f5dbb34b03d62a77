"""Object metadata (statuses, budgets, bids, creatives, page names) through `?ids=` batches.

Only the keys a column needs are asked for, 50 ids per call, and every object is read at most
once per job (the cache is shared by the account threads). Full batches are read while the
account's insights pages are still arriving (ReadAhead), the rest once they are all in. Values
are typed here: budgets and bid amounts arrive in the currency's minor unit (cents) and leave in
the major unit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Protocol

IDS_PER_CALL = 50
UNKNOWN_PAGE = "Page không xác định"  # what the original showed for a page it could not read
# Facebook's currencies without a minor unit: their amounts are already whole units.
WHOLE_UNIT_CURRENCIES = frozenset(
    {"CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND"}
)

_CREATIVE = "creative"
_ADSET = "adset"
# metadata key -> (expansion or None for a field of the object itself, the fields it reads)
META_FIELDS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    **{
        key: (None, (key,))
        for key in (
            "status",
            "effective_status",
            "created_time",
            "updated_time",
            "start_time",
            "stop_time",
            "bid_strategy",
            "daily_budget",
            "lifetime_budget",
            "budget_remaining",
        )
    },
    "adset_bid_strategy": (_ADSET, ("bid_strategy",)),
    "adset_bid_amount": (_ADSET, ("bid_amount", "daily_budget", "lifetime_budget")),
    "creative_id": (_CREATIVE, ("id",)),
    "creative_name": (_CREATIVE, ("name",)),
    "creative_title": (_CREATIVE, ("title",)),
    "creative_body": (_CREATIVE, ("body",)),
    "creative_thumbnail_url": (_CREATIVE, ("thumbnail_url", "image_url")),
    "creative_thumbnail_raw_url": (_CREATIVE, ("thumbnail_url", "image_url")),
    "creative_link": (_CREATIVE, ("object_story_id", "effective_object_story_id")),
    "actor_id": (_CREATIVE, ("actor_id",)),
    "page_name": (_CREATIVE, ("actor_id",)),
}
MONEY_META = frozenset({"daily_budget", "lifetime_budget", "budget_remaining", "adset_bid_amount"})
_TIMES = frozenset({"created_time", "updated_time", "start_time", "stop_time"})

Meta = dict[str, Any]


class ObjectReader(Protocol):
    def read_objects(self, ids: list[str], fields: str, *, account_id: str) -> dict[str, Any]: ...


def object_fields(keys: Iterable[str]) -> str:
    """The `fields=` value that reads `keys`, e.g. `status,creative{actor_id,id}`."""
    own: set[str] = set()
    expanded: dict[str, set[str]] = {}
    for key in keys:
        expansion, fields = META_FIELDS[key]
        (own if expansion is None else expanded.setdefault(expansion, set())).update(fields)
    parts = sorted(own) + [f"{name}{{{','.join(sorted(f))}}}" for name, f in sorted(expanded.items())]
    return ",".join(["id", *parts])


class MetadataCache:
    """Typed metadata per object id for one job, filled in batches."""

    def __init__(self, reader: ObjectReader, keys: frozenset[str]) -> None:
        self._reader = reader
        self._keys = keys
        self._fields = object_fields(keys)
        self._objects: dict[str, Meta] = {}
        self._pages: dict[str, str] = {}
        self._lock = threading.Lock()
        self._pages_lock = threading.Lock()
        # Date chunks of one account may run at once; they must not read the same objects twice.
        self._account_locks: dict[str, threading.Lock] = {}

    def lookup(self, object_ids: Iterable[str], *, account_id: str, currency: str) -> dict[str, Meta]:
        wanted = list(dict.fromkeys(object_ids))
        with self._account_lock(account_id):
            self._fill(wanted, account_id, currency)
            if "page_name" in self._keys:
                with self._lock:
                    unnamed = [m for i in wanted if (m := self._objects.get(i)) and "page_name" not in m]
                self._add_page_names(unnamed, account_id)
            with self._lock:
                return {i: self._objects.get(i, {}) for i in wanted}

    def read_ahead(self, object_ids: list[str], *, account_id: str, currency: str) -> None:
        """Read objects before their lookup; page names wait for it, to be read in one go."""
        with self._account_lock(account_id):
            self._fill(object_ids, account_id, currency)

    def knows(self, object_id: str) -> bool:
        with self._lock:
            return object_id in self._objects

    def _account_lock(self, account_id: str) -> threading.Lock:
        with self._lock:
            return self._account_locks.setdefault(account_id, threading.Lock())

    def _fill(self, wanted: list[str], account_id: str, currency: str) -> None:
        with self._lock:
            missing = [i for i in wanted if i not in self._objects]
        fetched = {
            object_id: _typed(raw, currency)
            for object_id, raw in self._read(missing, self._fields, account_id).items()
        }
        with self._lock:
            self._objects.update(fetched)

    def _read(self, ids: list[str], fields: str, account_id: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(ids), IDS_PER_CALL):
            chunk = ids[start : start + IDS_PER_CALL]
            found.update(self._reader.read_objects(chunk, fields, account_id=account_id))
        return found

    def _add_page_names(self, metas: Iterable[Meta], account_id: str) -> None:
        metas = list(metas)
        # Accounts often share pages: one reader at a time, so no page is read twice.
        with self._pages_lock:
            missing = sorted({m["actor_id"] for m in metas if m["actor_id"]} - self._pages.keys())
            pages = self._read(missing, "id,name", account_id)
            self._pages.update({page_id: str(page.get("name", "")) for page_id, page in pages.items()})
            for meta in metas:
                meta["page_name"] = self._pages.get(meta["actor_id"], UNKNOWN_PAGE)


class ReadAhead:
    """One account stream's object ids as its rows arrive, read IDS_PER_CALL at a time in the
    background while the next insights pages are on their way. Only full batches go early: the
    calls stay as few as if every id were read at the end. A read that fails here is simply made
    again by the lookup, which then reports the failure."""

    def __init__(
        self,
        cache: MetadataCache,
        submit: Callable[..., Future[None]],
        account_id: str,
        currency: Callable[[], str],
    ) -> None:
        self._cache = cache
        self._submit = submit
        self._account_id = account_id
        self._currency = currency
        self._seen: set[str] = set()
        self._batch: list[str] = []

    def note(self, object_id: str) -> None:
        if object_id in self._seen or self._cache.knows(object_id):
            return
        self._seen.add(object_id)
        self._batch.append(object_id)
        if len(self._batch) == IDS_PER_CALL:
            batch, self._batch = self._batch, []
            self._submit(self._read, batch, self._currency())

    def _read(self, batch: list[str], currency: str) -> None:
        self._cache.read_ahead(batch, account_id=self._account_id, currency=currency)


def _typed(raw: Mapping[str, Any], currency: str) -> Meta:
    creative = raw.get(_CREATIVE) or {}
    adset = raw.get(_ADSET) or {}
    money = _money_reader(currency)
    thumbnail = str(creative.get("thumbnail_url") or creative.get("image_url") or "")
    story = creative.get("object_story_id") or creative.get("effective_object_story_id")
    meta: Meta = {key: _text(raw.get(key)) for key in ("status", "effective_status", "bid_strategy")}
    meta.update({key: parse_time(raw.get(key)) for key in _TIMES})
    meta.update({key: money(raw.get(key)) for key in ("daily_budget", "lifetime_budget", "budget_remaining")})
    meta.update(
        adset_bid_strategy=_text(adset.get("bid_strategy")),
        adset_bid_amount=money(
            adset.get("bid_amount") or adset.get("daily_budget") or adset.get("lifetime_budget")
        ),
        creative_id=_text(creative.get("id")),
        creative_name=_text(creative.get("name")),
        creative_title=_text(creative.get("title")),
        creative_body=_text(creative.get("body")),
        creative_thumbnail_url=image_formula(thumbnail),
        creative_thumbnail_raw_url=thumbnail,
        creative_link=f"https://facebook.com/{story}" if story else "",
        actor_id=_text(creative.get("actor_id")),
    )
    return meta


def image_formula(url: str) -> str:
    if not url:
        return ""
    escaped = url.replace('"', '""')
    return f'=IMAGE("{escaped}")'


def _money_reader(currency: str) -> Callable[[object], float | None]:
    divisor = 1 if currency.upper() in WHOLE_UNIT_CURRENCIES else 100

    def read(raw: object) -> float | None:
        if raw in (None, ""):
            return None  # no budget of that kind (e.g. a lifetime budget on a daily-budget ad set)
        return int(str(raw)) / divisor

    return read


def _text(raw: object) -> str:
    return "" if raw is None else str(raw)


def parse_time(raw: object) -> datetime | None:
    """Graph times look like 2023-03-21T22:41:46-0700."""
    if not raw:
        return None
    return datetime.strptime(str(raw), "%Y-%m-%dT%H:%M:%S%z")
