"""The scheduler process's heartbeat: a file whose modification time it renews after every tick
that reached the store, and the check its container's health check runs
(`marketing-etl scheduler --check`).

A file in the container's own temporary directory rather than a row in the store: several
schedulers may share one store, and each container's health is about its own process.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

DEFAULT_PATH = Path(tempfile.gettempdir()) / "marketing-etl-scheduler.heartbeat"
# Ticks that may go missing before the process counts as stuck (one slow tick through a store
# hiccup is not a death), and a floor for very short intervals.
_MISSED_TICKS = 4
_MIN_AGE_S = 60.0


def beat(path: Path) -> None:
    path.touch()  # an existing file gets the current time


def max_age_s(interval_s: float) -> float:
    return max(_MIN_AGE_S, _MISSED_TICKS * interval_s)


def heartbeat_problem(path: Path, interval_s: float, now: float | None = None) -> str | None:
    """Why the scheduler writing `path` does not look alive, or None when it does."""
    try:
        beaten_at = path.stat().st_mtime
    except FileNotFoundError:
        return f"no heartbeat at {path}: the scheduler has not completed a tick"
    age_s = (time.time() if now is None else now) - beaten_at
    limit_s = max_age_s(interval_s)
    if age_s > limit_s:
        return f"the last tick was {age_s:.0f} s ago (more than {limit_s:.0f} s): the scheduler is stuck"
    return None
