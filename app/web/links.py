"""Links taken from the request (``?zurueck=``): only paths on this site are followed.

Browsers drop tabs and line breaks from URLs and treat a backslash like a
slash, so ``/%09/evil.example`` becomes ``//evil.example``, a link to
another host. Anything with control characters, whitespace, backslashes, a
scheme or a host is refused.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def safe_back_path(value: str | None) -> str | None:
    if not value or len(value) > 2000 or _UNSAFE.search(value):
        return None
    if not value.startswith("/") or value.startswith("//"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value
