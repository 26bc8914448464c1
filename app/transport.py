"""How requests reach the app: through one trusted proxy, over HTTPS or not, with ids in URLs.

- ``TRUSTED_PROXIES`` = n: Werkzeug's ProxyFix trusts exactly n hops of
  ``X-Forwarded-For/-Proto/-Host/-Port`` (the shipped nginx set-up: 1). 0
  ignores those headers, so a client cannot forge its address.
- Session cookies get ``Secure`` whenever the request came over HTTPS
  (directly or, via the proxy, ``X-Forwarded-Proto: https``).
- ``<int:…>`` in routes accepts only ids the database can hold; larger ones
  are simply not found (404) instead of overflowing the driver (500).
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def install(app: Flask) -> None:
    """Call before registering blueprints (the converter applies to rules added afterwards)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.session_interface = HttpsAwareSessionInterface()
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
