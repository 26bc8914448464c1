"""The authorization matrix: every API route × role × own/other municipality.

Each API endpoint needs an entry in ``RULES``; a route added without one
fails ``test_every_api_route_has_an_access_rule``.
"""

from __future__ import annotations

import re

import pytest

from app.domain import ProcessProfile
from app.storage.profiles import ensure_municipality, save_profile

ROLES = ("clerk", "modeller", "admin")


def everyone(role, own):
    return "allow"


def same_municipality(role, own):
    return "allow" if own else "hidden"


def modellers_of_municipality(role, own):
    if role == "clerk":
        return "forbidden"
    return "allow" if own else "hidden"


def admins_of_municipality(role, own):
    if role != "admin":
        return "forbidden"
    return "allow" if own else "hidden"


def interview_owner(role, own):
    """The interview belongs to the clerk of Beispielstadt: colleagues may read it, not write to it."""
    if not own:
        return "hidden"
    return "allow" if role == "clerk" else "forbidden"


# endpoint → (rule, needs login)
RULES = {
    "api.kinds": (everyone, False),
    "api.search": (everyone, True),
    "api.get_process": (same_municipality, True),
    "api.similar": (same_municipality, True),
    "api.compare": (same_municipality, True),
    "api.process_bpmn": (same_municipality, True),
    "api.process_diagram": (same_municipality, True),
    "api.import_bpmn": (lambda role, own: "forbidden" if role == "clerk" else "allow", True),
    "api.start_interview": (everyone, True),
    "api.get_interview": (same_municipality, True),
    "api.post_message": (interview_owner, True),
    "api.finish_interview": (interview_owner, True),
    "api.get_interview_draft": (same_municipality, True),
    "api.patch_interview_draft": (interview_owner, True),
    "api.undo_interview_draft": (interview_owner, True),
    "api.list_notifications": (everyone, True),  # one's own notices only
    "api.read_notifications": (everyone, True),
    "api.get_draft": (same_municipality, True),
    "api.patch_draft": (same_municipality, True),
    "api.submit_draft": (same_municipality, True),
    "api.draft_versions": (same_municipality, True),
    "api.draft_diff": (same_municipality, True),
    "api.list_comments": (same_municipality, True),
    "api.add_comment": (same_municipality, True),
    "api.resolve_comment": (same_municipality, True),
    "api.review_draft": (modellers_of_municipality, True),
    "api.publish_draft": (modellers_of_municipality, True),
    "api.archive_draft": (modellers_of_municipality, True),
    "api.audit": (admins_of_municipality, True),
    "api.openapi": (everyone, False),
    "auth.token": (everyone, False),
    "auth.revoke": (everyone, True),
    "auth.list_tokens": (everyone, True),
}

BODIES = {
    "api.post_message": {"text": "Ich bin im Steueramt."},
    "api.patch_draft": {"description": "Geändert."},
    "api.patch_interview_draft": {"org_unit": "Steueramt"},
    "api.review_draft": {"decision": "request_changes", "comment": "Bitte prüfen."},
    "api.publish_draft": {"visibility": "intern"},
    "api.add_comment": {"text": "Hinweis", "step_n": 1},
    "auth.token": {"username": "niemand", "password": "x"},
}


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_api_route_has_an_access_rule(app):
    missing = sorted({rule.endpoint for rule, _ in _api_rules(app)} - set(RULES))
    assert not missing, f"API routes without an access rule: {missing}"


@pytest.fixture
def world(app, db, make_user, client):
    users = {}
    for town, land in (("Beispielstadt", "Sachsen"), ("Musterhausen", "Niedersachsen")):
        for role in ROLES:
            users[(town, role)] = make_user(f"{role}-{town.lower()}", role, town, land)
    creator_id, creator_headers = users[("Beispielstadt", "clerk")]
    profile = ProcessProfile.model_validate({"title": "Hundesteuer", "state": "in_review", "steps": [
        {"n": 1, "label": "Antrag entgegennehmen", "kind": "receive"},
        {"n": 2, "label": "Antrag prüfen", "kind": "check_formal"}]})
    with db.session() as session:
        draft_id = save_profile(session, profile, municipality=ensure_municipality(session, "Beispielstadt"),
                                author_id=creator_id).row.id
    interview_id = client.post("/api/interviews", json={"retrieval": False}, headers=creator_headers).get_json()["id"]
    comment_id = client.post(f"/api/drafts/{draft_id}/comments", json={"text": "Erster Kommentar"},
                             headers=users[("Beispielstadt", "modeller")][1]).get_json()["id"]
    return users, {"profile_id": draft_id, "other_id": draft_id, "interview_id": interview_id,
                   "comment_id": comment_id}


def _url(rule, ids):
    path = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
    if rule.endpoint == "api.search":
        path += "?q=Hund"
    if rule.endpoint == "api.audit":
        path += f"?object=profile:{ids['profile_id']}"
    return path


def _call(client, rule, method, ids, headers):
    kwargs = {"headers": headers}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = BODIES.get(rule.endpoint, {})
    if rule.endpoint == "api.import_bpmn":
        kwargs = {"headers": headers, "data": b"<kein-bpmn/>", "content_type": "application/xml"}
    return getattr(client, method.lower())(_url(rule, ids), **kwargs)


def test_matrix(app, client, world):
    users, ids = world
    failures = []
    for rule, method in _api_rules(app):
        check, needs_login = RULES[rule.endpoint]
        if needs_login:
            anonymous = _call(client, rule, method, ids, {})
            if anonymous.status_code != 401:
                failures.append((rule.rule, method, "anonymous", anonymous.status_code))
        for (town, role), (_, headers) in users.items():
            own = town == "Beispielstadt"
            if rule.endpoint in ("auth.revoke", "auth.token"):
                continue  # revoking spends the token; signing in depends on the body, not the caller
            expected = check(role, own)
            status = _call(client, rule, method, ids, headers).status_code
            ok = {"allow": status < 400 or status in (400, 409, 422),
                  "hidden": status == 404, "forbidden": status == 403}[expected]
            if not ok:
                failures.append((rule.rule, method, f"{role}@{town}", status, expected))
    assert not failures, failures
