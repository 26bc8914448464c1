"""Property-based fuzzing over the OpenAPI document: no 5xx, problems are problem+json, answers match schemas."""

from __future__ import annotations

import re

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.openapi import document
from app.domain import ProcessProfile
from app.storage.profiles import ensure_municipality, save_profile

DOC = document()
SCHEMAS = DOC["components"]["schemas"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _field_names(schema_name: str) -> list[str]:
    return sorted(SCHEMAS.get(schema_name, {}).get("properties", {})) or ["x"]


def _body_strategy(schema_name: str | None):
    if not schema_name:
        return st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=3)
    names = _field_names(schema_name)
    return st.one_of(
        st.dictionaries(st.sampled_from(names), json_values, max_size=len(names)),
        json_values,
    )


def _conforms(payload, schema_name: str) -> None:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": DOC["components"]}
    jsonschema.validate(payload, root)


OPERATIONS = [(path, method, op) for path, item in DOC["paths"].items() for method, op in item.items()]


@pytest.fixture
def target(app, db, make_user, client):
    _, headers = make_user("mona", "modeller", "Beispielstadt", "Sachsen")
    profile = ProcessProfile.model_validate({"title": "Gewerbe anmelden", "state": "draft", "steps": [
        {"n": 1, "label": "Anzeige entgegennehmen", "kind": "receive"}]})
    with db.session() as session:
        profile_id = save_profile(session, profile, municipality=ensure_municipality(session, "Beispielstadt")).row.id
    interview_id = client.post("/api/interviews", json={"retrieval": False}, headers=headers).get_json()["id"]
    return headers, {"profile_id": profile_id, "interview_id": interview_id}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("path, method, op", OPERATIONS, ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS])
def test_fuzz_operation(client, target, path, method, op):
    headers, ids = target
    body_schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                   .get("schema", {}).get("$ref", "").rsplit("/", 1)[-1] or None)
    response_schema = next(iter(op["responses"].values()))["content"]
    response_schema = next(iter(response_schema.values()))["schema"].get("$ref", "").rsplit("/", 1)[-1] or None
    query_names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=_body_strategy(body_schema),
           query=st.dictionaries(st.sampled_from(query_names or ["x"]), st.text(max_size=30), max_size=4),
           wrong_id=st.booleans())
    def run(body, query, wrong_id):
        url = re.sub(r"\{(\w+)\}", lambda m: str(999999 if wrong_id else ids[m.group(1)]), path)
        kwargs = {"headers": headers, "query_string": query}
        if method in ("post", "patch"):
            kwargs["json"] = body
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code < 500, (url, body, query, response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
            problem = response.get_json()
            assert {"type", "title", "status", "detail"} <= set(problem) and problem["detail"]
        elif response_schema and response.is_json:
            _conforms(response.get_json(), response_schema)

    run()


# -- Classes found by the outside test (issue 17, item 9): each once against every operation --------

HOSTILE_BODIES = {
    "deep nesting": b'{"text": ' + b"[" * 2000 + b"]" * 2000 + b"}",
    "moderately deep nesting": b'{"text": ' + b"[" * 900 + b"]" * 900 + b"}",
    "5000-digit integer": b'{"text": "x", "case_volume_per_year": ' + b"9" * 5000 + b"}",
    "huge integer": b'{"text": "x", "step_n": 18446744073709551616, "case_volume_per_year": 9223372036854775808}',
    "lone surrogate": b'{"text": "Ich pr\\u00fcfe \\ud800 den Antrag", "title": "\\udfff"}',
}
HUGE_IDS = (2**31, 2**63, 2**64, 10**30)


def _concrete(path: str, ids: dict, value: int | None = None) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(value if value is not None else ids[m.group(1)]), path)


def _assert_problem(response, context) -> None:
    assert response.status_code < 500, (context, response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", context
        assert response.get_json()["detail"], context


@pytest.mark.sqlite_only
def test_hostile_bodies_on_every_operation(client, target, db):
    headers, ids = target
    for path, method, _op in OPERATIONS:
        if method not in ("post", "patch"):
            continue
        for name, body in HOSTILE_BODIES.items():
            response = getattr(client, method)(_concrete(path, ids), data=body, content_type="application/json",
                                               headers=headers)
            _assert_problem(response, (method, path, name))
            if name == "lone surrogate" and path.endswith("/messages"):
                assert response.status_code == 400 and "gespeichert" not in response.get_json().get("reply", {}).get("text", "")
    from sqlalchemy import select

    from app.storage.models import InterviewMessageRow

    with db.session() as session:  # nothing with a lone surrogate was stored
        texts = session.scalars(select(InterviewMessageRow.text)).all()
    assert not any("\ud800" in t for t in texts)


@pytest.mark.sqlite_only
def test_huge_ids_on_every_id_route(app, client, target):
    headers, ids = target
    rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert len(rules) >= 10
    for rule in rules:
        for value in HUGE_IDS:
            path = re.sub(r"<int:(\w+)>", str(value), rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                kwargs = {"headers": dict(headers, Accept="application/json")}
                if method in ("POST", "PATCH"):
                    kwargs["json"] = {}
                response = getattr(client, method.lower())(path, **kwargs)
                assert response.status_code < 500, (method, path, response.status_code)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("value", ["profile:²", "profile:١٢", "profile:99999999999999999999", "interview:-1",
                                   "profile:1e3", "profile:"])
def test_audit_object_parameter(client, make_user, value):
    _, headers = make_user("adam", "admin")
    response = client.get("/api/audit", query_string={"object": value}, headers=headers)
    assert response.status_code in (400, 404) and response.mimetype == "application/problem+json"
