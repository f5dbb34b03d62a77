"""The README documents every setting and every HTTP endpoint the app serves."""

from __future__ import annotations

import re
from pathlib import Path

from marketing_etl.api.app import create_app
from marketing_etl.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in README]
    assert missing == []


def test_every_public_endpoint_is_in_the_readme() -> None:
    app = create_app(Settings(_env_file=None))
    documented = [*app.openapi()["paths"], "/dashboard", "/dashboard/jobs/{job_id}", "/docs"]
    assert len(documented) > 20
    # Path parameters may be written with any name in prose: compare their shape only.
    shape = {re.sub(r"\{[^}]+\}", "{}", p) for p in re.findall(r"`(?:[A-Z]+ )?(/[^`\s?]*)", README)}
    missing = sorted(p for p in documented if re.sub(r"\{[^}]+\}", "{}", p) not in shape)
    assert missing == []
