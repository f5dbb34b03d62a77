"""Serving the fake external APIs (marketing_etl.sandbox.fakes) over real HTTP on 127.0.0.1:
ASGI apps run by uvicorn in a thread."""
