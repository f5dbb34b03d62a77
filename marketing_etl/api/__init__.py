"""The HTTP API: job endpoints for the original clients, dashboard data, health. The app
factory, an entry point, is api/app.py."""
