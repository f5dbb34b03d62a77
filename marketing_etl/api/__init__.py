"""The HTTP API: job endpoints for the original clients, dashboard data, health."""

from marketing_etl.api.app import create_app

__all__ = ["create_app"]
