"""Google Sheets destination: service-account auth, one retry policy, idempotent chunked writes."""

from marketing_etl.destinations.sheets.destination import SheetsDestination, SheetsOptions

__all__ = ["SheetsDestination", "SheetsOptions"]
