"""The Celery app for Celery's own tools: `celery -A marketing_etl.executors.celery_app:app
inspect ping` (the worker container's health check), `... status`, `... events` and Flower.

It has our broker, queue and serializers (celery_config.py) but no tasks: workers are started
with `marketing-etl worker` (celery_worker.py), which registers run_job on its own app.
"""

from __future__ import annotations

from typing import Any

from marketing_etl.executors.celery_config import create_celery_app
from marketing_etl.settings import get_settings

# The one exception to "nothing reads the environment at import": Celery's tools find an app
# only as a module attribute. Nothing in the package imports this module (a test checks), so
# the settings are read only by the processes that name it with `celery -A`.
app: Any = create_celery_app(get_settings())
