"""The application factory: configuration, database, blueprints, errors, commands."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import problems, status
from .config import load_config
from .context import close_session
from .storage.db import Database

csrf = CSRFProtect()

# No inline script anywhere; inline styles are allowed (SVG diagrams), frames are not.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
                           "form-action 'self'; object-src 'none'")


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _csrf_for_browser_requests() -> None:
    """Cookie-authenticated writes need a CSRF token; bearer-token clients carry no ambient authority."""
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return
    if request.routing_exception is not None or request.path == "/api/auth/token":
        return
    if request.blueprint == "api" and g.get("user") is None:
        return  # answered with 401 by the view; no ambient authority to protect
    csrf.protect()


def build_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(load_config(overrides))
    from .search import embedding_dimensions

    embedding_dimensions(app.config)  # a bad EMBEDDING_DIMENSIONS fails at start, not at the first search
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    app.extensions["prozesslotse.db"] = Database(app.config["DATABASE_URL"],
                                                 read_timeout=app.config["DB_READ_TIMEOUT_SECONDS"],
                                                 write_timeout=app.config["DB_WRITE_TIMEOUT_SECONDS"])
    app.teardown_appcontext(close_session)

    from . import transport

    transport.install(app)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    problems.register(app)
    status.register(app)
    from . import search as search_service

    search_service.register_errors(app)

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc: CSRFError):
        return problems.render(problems.problem(
            400, "Das Formular ist abgelaufen oder unvollständig (CSRF-Schutz). Bitte laden Sie die Seite neu."))

    from .auth import bp as auth_bp
    from .auth.identity import load_identity
    from .api import bp as api_bp
    from .health import bp as health_bp
    from .web import bp as web_bp

    app.after_request(_security_headers)
    app.before_request(load_identity)
    app.before_request(_csrf_for_browser_requests)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(web_bp)

    from .cli import register_commands

    register_commands(app)
    return app
