"""Marketing ETL Pipeline: ad-platform reports into Google Sheets, queued and rate-limit aware."""

__version__ = "0.1.0"
