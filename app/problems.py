"""RFC 9457 problem details (``application/problem+json``) with German text.

Every error the API returns goes through here, so that clients always get
``type``, ``title``, ``status`` and a ``detail`` a clerk can read.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from pydantic import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from app.domain.errors import describe, german_validation_errors

TITLES = {
    400: "Ungültige Anfrage",
    401: "Anmeldung erforderlich",
    403: "Keine Berechtigung",
    404: "Nicht gefunden",
    405: "Methode nicht erlaubt",
    409: "Konflikt",
    413: "Anfrage zu groß",
    415: "Falsches Datenformat",
    422: "Eingaben nicht gültig",
    429: "Zu viele Anfragen",
    500: "Interner Fehler",
    503: "Dienst vorübergehend nicht verfügbar",
}

DETAILS = {
    400: "Die Anfrage konnte nicht verstanden werden.",
    401: "Bitte melden Sie sich an.",
    403: "Sie haben für diese Aktion keine Berechtigung.",
    404: "Die angeforderte Seite oder das Objekt gibt es nicht.",
    405: "Diese Aktion ist an dieser Adresse nicht möglich.",
    413: "Die gesendeten Daten sind zu groß.",
    415: "Bitte senden Sie die Daten als JSON (Content-Type: application/json).",
    429: "Zu viele Versuche. Bitte warten Sie einen Moment.",
    500: "Ein unerwarteter Fehler ist aufgetreten. Ihre Eingaben sind gespeichert; bitte versuchen Sie es erneut.",
    503: "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es in Kürze erneut.",
}


class ApiProblem(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, type_: str | None = None, title: str | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_ or f"https://prozesslotse.de/probleme/{status}"
        self.title = title or TITLES.get(status, "Fehler")
        self.extra = extra


def problem(status: int, detail: str | None = None, **kwargs: Any) -> ApiProblem:
    return ApiProblem(status, detail or DETAILS.get(status, "Fehler."), **kwargs)


def validation_problem(exc: ValidationError, what: str = "Die Angaben sind nicht gültig") -> ApiProblem:
    errors = german_validation_errors(exc)
    return ApiProblem(422, f"{what}: {describe(errors)}", errors=errors,
                      type_="https://prozesslotse.de/probleme/validierung")


def database_unavailable_detail() -> str:
    """German reason for a 503: the database file is missing, or the database is locked or unreachable."""
    from flask import current_app

    database = current_app.extensions.get("prozesslotse.db")
    if database is not None and database.missing():
        return ("Die Datenbank fehlt. Sie wird nur mit „flask --app app db upgrade“ angelegt; bitte wenden Sie "
                "sich an den Betrieb.")
    return ("Die Datenbank antwortet gerade nicht (gesperrt oder nicht erreichbar). Bitte versuchen Sie es in "
            "Kürze erneut.")


def _wants_html() -> bool:
    if request.path.startswith("/api") or request.path == "/healthz":
        return False
    best = request.accept_mimetypes.best_match(["application/json", "application/problem+json", "text/html"])
    return best == "text/html"


def render(p: ApiProblem) -> Response:
    if _wants_html():
        response = Response(render_template("error.html", problem=p), status=p.status, mimetype="text/html")
        return response
    body = {"type": p.type, "title": p.title, "status": p.status, "detail": p.detail, **p.extra}
    response = jsonify(body)
    response.status_code = p.status
    response.mimetype = "application/problem+json"
    if "retry_after" in p.extra:
        response.headers["Retry-After"] = str(p.extra["retry_after"])
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ApiProblem)
    def _api_problem(exc: ApiProblem) -> Response:
        return render(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = render(problem(status, DETAILS.get(status) or exc.description))
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError) -> Response:
        app.logger.error("Database unavailable on %s %s: %s", request.method, request.path, exc.orig)
        return render(problem(503, database_unavailable_detail(), retry_after=5))

    @app.errorhandler(DataError)
    def _out_of_range(exc: DataError) -> Response:
        app.logger.warning("Value refused by the database on %s %s: %s", request.method, request.path, exc.orig)
        return render(problem(422, "Ein Wert liegt außerhalb des erlaubten Bereichs (z. B. eine zu große Zahl)."))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render(problem(500))
