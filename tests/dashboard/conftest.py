"""Dashboard API tests use the API suite's fixtures (a TestClient on the real app and store)."""

from __future__ import annotations

from tests.api.conftest import _no_settings_from_environment, api, backend, settings

__all__ = ["_no_settings_from_environment", "api", "backend", "settings"]
