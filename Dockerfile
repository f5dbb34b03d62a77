# syntax=docker/dockerfile:1
# One image for every role: `serve` (api), `worker` (Celery) and `scheduler`; compose picks the
# command. The build stage compiles nothing the runtime needs to carry (pip caches, headers).
# Rebuilt next year, it installs the same thing: the base image is an exact version, and every
# package the exact version requirements.lock pins (`make lock` renews it; a test installs with
# this same command).
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY marketing_etl ./marketing_etl
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -c requirements.lock ".[all]"

FROM python:3.11.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=8011 \
    DATA_DIR=/data
# A fixed uid, so a bind-mounted DATA_DIR can be chowned to it on the host.
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home app \
    && mkdir -p /data && chown app:app /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER app
EXPOSE 8011
VOLUME ["/data"]
# The API's own readiness check (store and executor reachable). Workers and the scheduler serve
# no HTTP; compose replaces this check for them.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8011')}/healthz\", timeout=4)"]
CMD ["marketing-etl", "serve"]
