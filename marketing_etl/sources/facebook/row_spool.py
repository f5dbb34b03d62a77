"""A date window's rows on disk, sorted in runs, merged back in report order.

One window of an Ad Daily job may bring every row of the job (hundreds of thousands), so no task
(one account's part of the window) keeps its rows: they are sorted in runs of RUN_ROWS and
appended, pickled BLOCK_ROWS at a time, to the window's unnamed temporary file (gone when closed,
or with the process). The window's rows come back by merging every run on the sort key, which
needs one block per run in memory. A merge prefers the earlier run on equal keys, so with the runs
in task order the rows come out exactly as a stable sort of the whole window would put them.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from marketing_etl.sources.facebook.rows import Partial

RUN_ROWS = 2_000  # rows a running task holds before sorting them out to disk
BLOCK_ROWS = 100  # rows read back at once per run while merging

Block = tuple[int, int]  # (offset, length) in the window's file
Completer = Callable[[Partial], list[Any]]


class WindowFile:
    """One window's temporary file; its tasks' threads append to it, the merge reads it."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed by close()
        self._lock = threading.Lock()

    def append(self, data: bytes) -> Block:
        with self._lock:
            offset = self._file.seek(0, 2)
            self._file.write(data)
            return offset, len(data)

    def read(self, block: Block) -> bytes:
        with self._lock:
            self._file.seek(block[0])
            return self._file.read(block[1])

    def close(self) -> None:
        self._file.close()


@dataclass
class Run:
    rows: int
    blocks: list[Block]


class RunWriter:
    """One task's rows, out to the window's file in sorted runs. A request's rows are undone
    when it fails (`mark` / `rollback`), so a request split and asked again adds none twice."""

    def __init__(self, file: WindowFile, shape: Callable[[dict[str, Any]], Partial]) -> None:
        self._file = file
        self._shape = shape
        self._buffer: list[Partial] = []
        self._runs: list[Run] = []
        # First sighting order, as the metadata lookup reads them.
        self._object_ids: dict[str, None] = {}

    @property
    def rows(self) -> int:
        return sum(run.rows for run in self._runs) + len(self._buffer)

    @property
    def object_ids(self) -> list[str]:
        return list(self._object_ids)

    def add(self, raw: dict[str, Any]) -> None:
        partial = self._shape(raw)
        self._buffer.append(partial)
        self._object_ids.setdefault(partial.object_id)
        if len(self._buffer) >= RUN_ROWS:
            self._flush()

    def mark(self) -> tuple[int, int]:
        """Where the next request starts: its rows begin a run of their own."""
        self._flush()
        return len(self._runs), len(self._object_ids)

    def rollback(self, mark: tuple[int, int]) -> None:
        runs, ids = mark
        self._buffer.clear()
        del self._runs[runs:]  # their bytes stay in the file, unread
        if len(self._object_ids) > ids:
            self._object_ids = dict.fromkeys(list(self._object_ids)[:ids])

    def discard(self) -> None:
        """Every row undone: the account turned out to be refused."""
        self.rollback((0, 0))

    def finish(self) -> list[Run]:
        self._flush()
        return self._runs

    def _flush(self) -> None:
        if not self._buffer:
            return
        self._buffer.sort(key=_key)
        blocks = [
            self._file.append(pickle.dumps(self._buffer[start : start + BLOCK_ROWS], pickle.HIGHEST_PROTOCOL))
            for start in range(0, len(self._buffer), BLOCK_ROWS)
        ]
        self._runs.append(Run(len(self._buffer), blocks))
        self._buffer = []


@dataclass
class TaskRows:
    """A finished task's runs and how to turn its rows into report rows."""

    runs: list[Run]
    complete: Completer


def merged(file: WindowFile, tasks: list[TaskRows]) -> Iterator[list[Any]]:
    """The window's report rows in key order; the file is closed once they are all read."""
    try:
        streams = [_completed(file, run, task.complete) for task in tasks for run in task.runs]
        for _, row in heapq.merge(*streams, key=_first):
            yield row
    finally:
        file.close()


def _completed(file: WindowFile, run: Run, complete: Completer) -> Iterator[tuple[Any, list[Any]]]:
    for block in run.blocks:
        partials: list[Partial] = pickle.loads(file.read(block))
        for partial in partials:
            yield partial.key, complete(partial)


def _key(partial: Partial) -> tuple[Any, ...]:
    return partial.key


def _first(pair: tuple[Any, list[Any]]) -> Any:
    return pair[0]


class WindowFiles:
    """The files of the windows being fetched: the next window's tasks run during a merge."""

    def __init__(self) -> None:
        self._files: dict[tuple[date, date], WindowFile] = {}
        self._lock = threading.Lock()

    def get(self, window: tuple[date, date]) -> WindowFile:
        with self._lock:
            if window not in self._files:
                self._files[window] = WindowFile()
            return self._files[window]

    def take(self, window: tuple[date, date]) -> WindowFile:
        """The window's file, now the merge's to close."""
        with self._lock:
            return self._files.pop(window, None) or WindowFile()

    def close(self) -> None:
        with self._lock:
            files, self._files = list(self._files.values()), {}
        for file in files:
            file.close()
