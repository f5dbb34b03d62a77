"""Suite-wide isolation: no test sees the developer's own settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketing_etl.settings import Settings, get_settings

_SETTING_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def _clean_settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in [*_SETTING_NAMES, "REDIS_URL", "MONGO_URI"]:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
