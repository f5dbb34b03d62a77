"""The dashboard: its static page (static/), and the aggregates its API serves (stats, usage).

static/vendor/ holds Chart.js 4.6.1 (UMD build, MIT, licence beside it), copied unchanged from
its npm package so the page needs no network and no build step.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
