"""``GET /api/openapi.json``: the API described as OpenAPI 3.1, schemas generated from the pydantic models."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from app.domain import InterviewMessage, ProcessProfile, SearchResult

from . import bp
from .drafts import NewComment, Publication, ReviewDecision
from .interviews import ClerkMessage, StartInterview

REF = "#/components/schemas/{model}"


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    models: list[type[BaseModel]] = [ProcessProfile, SearchResult, InterviewMessage, ClerkMessage, StartInterview,
                                     ReviewDecision, Publication, NewComment]
    for model in models:
        schema = model.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["Problem"] = {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}}}
    schemas["SearchResponse"] = {"type": "object", "required": ["results"], "properties": {
        "results": {"type": "array", "items": {"$ref": REF.format(model="SearchResult")}},
        "degraded": {"type": "boolean"}}}
    schemas["InterviewStart"] = {"type": "object", "required": ["id", "messages", "draft"], "properties": {
        "id": {"type": "integer"}, "messages": {"type": "array", "items": {"$ref": REF.format(model="InterviewMessage")}},
        "draft": {"$ref": REF.format(model="ProcessProfile")}}}
    schemas["InterviewTurn"] = {"type": "object", "required": ["reply", "draft"], "properties": {
        "reply": {"$ref": REF.format(model="InterviewMessage")}, "draft": {"$ref": REF.format(model="ProcessProfile")}}}
    response = copy.deepcopy(schemas["ProcessProfile"])
    response["title"] = "ProfileResponse"
    response["properties"].update({
        "version": {"type": "integer", "minimum": 0},
        "figures": {"type": "object", "properties": {
            "minutes_per_case": {"type": ["number", "null"]}, "annual_hours": {"type": ["number", "null"]},
            "hourly_rate_eur": {"type": "number"}, "annual_cost_eur": {"type": ["number", "null"]},
            "media_breaks": {"type": "integer"}, "handoffs": {"type": "integer"},
            "steps_per_group": {"type": "object"}, "hints": {"type": "array", "items": {"type": "string"}}}},
        "comments": {"type": "array", "items": {"type": "object"}},
    })
    schemas["ProfileResponse"] = response
    return schemas


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=name)}


def _op(summary: str, response: str | None = None, body: str | None = None, params: list[dict] | None = None,
        status: str = "200", content_type: str = "application/json") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {
        status: {"description": "OK", "content": {content_type: {"schema": _ref(response) if response else {}}}},
        "default": {"description": "Fehler", "content": {"application/problem+json": {"schema": _ref("Problem")}}}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _query(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def document() -> dict[str, Any]:
    pid, iid = _path_param("profile_id"), _path_param("interview_id")
    search_params = [_query("q", {"type": "string", "minLength": 1, "maxLength": 500}, True),
                     _query("k", {"type": "integer", "minimum": 1, "maximum": 100}),
                     _query("mode", {"type": "string", "enum": ["hybrid", "dense", "lexical"]}),
                     _query("municipality", {"type": "string"}), _query("land", {"type": "string"}),
                     _query("category", {"type": "string"})]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Prozesslotse API", "version": "1", "description": "Prozesssteckbriefe erfassen, "
                 "suchen, prüfen und teilen. Fehler als application/problem+json mit deutschem detail."},
        "components": {"schemas": _schemas(), "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/search": {"get": _op("Steckbriefe suchen", "SearchResponse", params=search_params)},
            "/api/processes/{profile_id}": {"get": _op("Steckbrief lesen", "ProfileResponse", params=[pid])},
            "/api/processes/{profile_id}/similar": {"get": _op("Ähnliche Prozesse", "SearchResponse", params=[
                pid, _query("k", {"type": "integer", "minimum": 1, "maximum": 100})])},
            "/api/interviews": {"post": _op("Interview beginnen", "InterviewStart", "StartInterview", status="201")},
            "/api/interviews/{interview_id}/messages": {"post": _op("Nachricht senden", "InterviewTurn",
                                                                    "ClerkMessage", params=[iid])},
            "/api/interviews/{interview_id}/finish": {"post": _op("Interview abschließen", params=[iid])},
            "/api/drafts/{profile_id}": {"get": _op("Entwurf lesen", "ProfileResponse", params=[pid]),
                                         "patch": _op("Entwurf ändern", "ProfileResponse", "ProcessProfile",
                                                      params=[pid])},
            "/api/drafts/{profile_id}/submit": {"post": _op("Zur Prüfung geben", "ProfileResponse", params=[pid])},
            "/api/drafts/{profile_id}/review": {"post": _op("Prüfen", "ProfileResponse", "ReviewDecision",
                                                            params=[pid])},
            "/api/drafts/{profile_id}/publish": {"post": _op("Veröffentlichen", "ProfileResponse", "Publication",
                                                             params=[pid])},
            "/api/drafts/{profile_id}/comments": {"post": _op("Kommentieren", body="NewComment", params=[pid],
                                                              status="201")},
        },
    }


@bp.get("/openapi.json")
def openapi():
    return document()
