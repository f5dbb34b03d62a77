"""Fake external APIs that speak real HTTP on 127.0.0.1 (ASGI apps run by uvicorn in a thread)."""
