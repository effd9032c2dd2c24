"""Routers of the `/v1` API, one module per resource family."""
