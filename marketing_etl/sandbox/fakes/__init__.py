"""Simulated platform APIs: Graph API, TikTok API for Business, Sheets API v4 with its OAuth
token endpoint, and a daily exchange-rates API.

ASGI apps with deterministic data and fault injection, speaking real HTTP the way the real
APIs do, per the reference notes the project was built from. The test suite serves them on loopback ports; the
sandbox mounts them inside the running service.
"""
