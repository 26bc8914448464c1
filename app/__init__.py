"""Prozesslotse: conversational capture and reuse of municipal processes."""

from __future__ import annotations

from typing import Any


def create_app(config: dict[str, Any] | None = None):
    """Application factory (``flask --app app …`` finds it here).

    The import is deferred so that the pure packages below ``app`` (domain,
    corpus readers) stay importable without the web stack.
    """
    from .factory import build_app

    return build_app(config)
