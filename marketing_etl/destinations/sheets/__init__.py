"""Google Sheets destination: service-account auth, one retry rule, idempotent chunked writes."""

from marketing_etl.destinations.sheets.destination import SheetsDestination, SheetsOptions

__all__ = ["SheetsDestination", "SheetsOptions"]
