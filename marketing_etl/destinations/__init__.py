"""Where reports go: a Google Sheets tab, or a CSV / XLSX file under DATA_DIR/reports."""

from __future__ import annotations

from marketing_etl.destinations.files import FileDestination
from marketing_etl.destinations.sheets import SheetsDestination
from marketing_etl.plugins import Plugins


def register(plugins: Plugins) -> None:
    plugins.destinations.register("sheets", SheetsDestination())
    plugins.destinations.register("csv", FileDestination("csv"))
    plugins.destinations.register("xlsx", FileDestination("xlsx"))
