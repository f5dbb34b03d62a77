"""The fake Graph API's load meter: how many requests were in flight at each arrival, and a
usage figure that climbs with the calls of a rolling window (as Facebook's rolling hour does)
and falls again once they stop. Tests read it directly; a benchmark reads it from /fake-stats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Arrival:
    at_s: float  # monotonic
    in_flight: int  # this request included
    usage_pct: float  # what its usage headers report


@dataclass
class LoadMeter:
    usage_per_call_pct: float = 0.0  # 0: the usage stays at the fake's usage_pct
    usage_window_s: float = 60.0
    arrivals: list[Arrival] = field(default_factory=list)
    in_flight: int = 0

    @property
    def peak_in_flight(self) -> int:
        return max((a.in_flight for a in self.arrivals), default=0)

    def arrive(self, now_s: float, base_pct: float) -> float:
        """Count a request in; the usage its answer reports."""
        self.in_flight += 1
        recent = sum(1 for a in reversed(self.arrivals) if now_s - a.at_s < self.usage_window_s)
        usage = min(100.0, base_pct + self.usage_per_call_pct * recent)
        self.arrivals.append(Arrival(now_s, self.in_flight, usage))
        return usage

    def leave(self) -> None:
        self.in_flight -= 1

    def reset(self) -> None:
        self.arrivals.clear()
        self.in_flight = 0
        self.usage_per_call_pct, self.usage_window_s = 0.0, 60.0

    def as_json(self) -> dict[str, Any]:
        first = self.arrivals[0].at_s if self.arrivals else 0.0
        return {
            "peak_in_flight": self.peak_in_flight,
            "arrivals": [[round(a.at_s - first, 3), a.in_flight, a.usage_pct] for a in self.arrivals],
        }
