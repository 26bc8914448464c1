"""Review workflow: lifecycle, editing with versions and diffs, comments, comparison, figures, audit."""

from __future__ import annotations

import pytest

from app.domain import ProcessProfile
from app.domain.figures import figures
from app.storage.profiles import ensure_municipality, save_profile

STEPS = [
    {"label": "Antrag entgegennehmen", "kind": "receive", "actor": "Bürgerbüro", "minutes": 3},
    {"label": "Antrag auf Vollständigkeit prüfen", "kind": "check_formal", "actor": "Bürgerbüro", "minutes": 5},
    {"label": "Bescheid drucken", "kind": "print", "actor": "Bürgerbüro", "media_break": True, "minutes": 2},
    {"label": "Bescheid einscannen", "kind": "scan", "actor": "Poststelle", "media_break": True, "minutes": 2},
    {"label": "Bescheid versenden", "kind": "send", "actor": "Poststelle", "minutes": 1},
]


@pytest.fixture
def people(make_user):
    return {
        "clerk": make_user("clara", "clerk", "Beispielstadt", "Sachsen"),
        "modeller": make_user("mona", "modeller", "Beispielstadt", "Sachsen"),
        "admin": make_user("adam", "admin", "Beispielstadt", "Sachsen"),
        "stranger": make_user("sven", "modeller", "Musterhausen", "Niedersachsen"),
        "other_clerk": make_user("olga", "clerk", "Musterhausen", "Niedersachsen"),
    }


@pytest.fixture
def draft_id(db, people):
    profile = ProcessProfile.model_validate({
        "title": "Hundesteuer anmelden", "state": "draft", "visibility": "intern", "case_volume_per_year": 300,
        "steps": [dict(s, n=i + 1) for i, s in enumerate(STEPS)],
        "decisions": [{"after_step": 2, "question": "Vollständig?", "branches": [
            {"condition": "ja", "goto_step": 3}, {"condition": "nein", "goto_step": None}]}]})
    with db.session() as session:
        municipality = ensure_municipality(session, "Beispielstadt")
        return save_profile(session, profile, municipality=municipality, author_id=people["clerk"][0]).row.id


def _headers(people, who):
    return people[who][1]


def test_full_lifecycle_and_search(client, people, draft_id):
    h = lambda who: _headers(people, who)  # noqa: E731
    assert client.post(f"/api/drafts/{draft_id}/review", json={"decision": "approve"}, headers=h("modeller")
                       ).status_code == 409  # still a draft
    submitted = client.post(f"/api/drafts/{draft_id}/submit", headers=h("clerk"))
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "in_review"
    assert client.post(f"/api/drafts/{draft_id}/review", json={"decision": "approve"}, headers=h("clerk")
                       ).status_code == 403
    changes = client.post(f"/api/drafts/{draft_id}/review", json={"decision": "request_changes",
                                                                  "comment": "Bitte Schritt 4 prüfen."},
                          headers=h("modeller")).get_json()
    assert changes["state"] == "changes_requested"
    assert changes["version"] == 1  # status changes are no versions of the content
    assert client.get(f"/api/drafts/{draft_id}", headers=h("clerk")).get_json()["comments"][0]["text"] == \
        "Bitte Schritt 4 prüfen."
    client.post(f"/api/drafts/{draft_id}/submit", headers=h("clerk"))
    approved = client.post(f"/api/drafts/{draft_id}/review", json={"decision": "approve"}, headers=h("modeller"))
    assert approved.get_json()["state"] == "approved"
    assert client.post(f"/api/drafts/{draft_id}/publish", json={"visibility": "öffentlich"}, headers=h("modeller")
                       ).status_code == 422
    published = client.post(f"/api/drafts/{draft_id}/publish", json={"visibility": "netzwerk"}, headers=h("modeller"))
    assert published.get_json()["state"] == "published" and published.get_json()["visibility"] == "netzwerk"
    found = client.get("/api/search?q=Hundesteuer%20anmelden", headers=h("stranger")).get_json()["results"]
    assert draft_id in [r["id"] for r in found]
    archived = client.post(f"/api/drafts/{draft_id}/archive", headers=h("modeller"))
    assert archived.get_json()["state"] == "archived"
    found = client.get("/api/search?q=Hundesteuer%20anmelden", headers=h("stranger")).get_json()["results"]
    assert draft_id not in [r["id"] for r in found]
    assert client.post(f"/api/drafts/{draft_id}/submit", headers=h("clerk")).status_code == 409


def test_edit_validation_versions_and_diff(client, people, draft_id):
    h = _headers(people, "modeller")
    bad = client.patch(f"/api/drafts/{draft_id}", json={"steps": [{"label": "X", "kind": "zaubern"}]}, headers=h)
    assert bad.status_code == 422 and "steps[0].kind" in bad.get_json()["detail"]
    dangling = client.patch(f"/api/drafts/{draft_id}", json={"steps": [dict(s) for s in STEPS[:2]]}, headers=h)
    assert dangling.status_code == 422 and "Schritt 3" in dangling.get_json()["detail"]
    negative = client.patch(f"/api/drafts/{draft_id}", json={"minutes_per_case": -5}, headers=h)
    assert negative.status_code == 422 and "minutes_per_case" in negative.get_json()["detail"]
    assert client.patch(f"/api/drafts/{draft_id}", json={"state": "published"}, headers=h).status_code == 422
    reordered = [STEPS[0], STEPS[1], STEPS[2], STEPS[4], dict(STEPS[3], kind="archive", label="Bescheid ablegen"),
                 {"label": "Zahlung überwachen", "kind": "payment"}]
    ok = client.patch(f"/api/drafts/{draft_id}", json={"steps": reordered, "title": "Hund anmelden"}, headers=h)
    assert ok.status_code == 200 and ok.get_json()["version"] == 2
    versions = client.get(f"/api/drafts/{draft_id}/versions", headers=h).get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["author"] == "mona"
    diff = client.get(f"/api/drafts/{draft_id}/diff?from=1&to=2", headers=h).get_json()
    assert {"field": "title", "before": "Hundesteuer anmelden", "after": "Hund anmelden"} in diff["fields"]
    changes = {(c["change"], c.get("label") or (c.get("after") or c.get("before"))["label"]) for c in diff["steps"]}
    assert ("added", "Zahlung überwachen") in changes
    assert ("moved", "Bescheid versenden") in changes
    assert any(c["change"] in ("changed", "removed") for c in diff["steps"])
    assert client.get(f"/api/drafts/{draft_id}/diff?from=1&to=9", headers=h).status_code == 404


def test_comments_per_step_and_resolution(client, people, draft_id):
    h = _headers(people, "modeller")
    assert client.post(f"/api/drafts/{draft_id}/comments", json={"text": "Gibt es Schritt 9?", "step_n": 9},
                       headers=h).status_code == 422
    created = client.post(f"/api/drafts/{draft_id}/comments", json={"text": "Warum drucken?", "step_n": 3}, headers=h)
    assert created.status_code == 201
    comment_id = created.get_json()["id"]
    resolved = client.post(f"/api/drafts/{draft_id}/comments/{comment_id}/resolve", headers=_headers(people, "clerk"))
    comment = resolved.get_json()["comments"][0]
    assert comment["resolved"] and comment["resolved_by"] == "clara" and comment["step_n"] == 3
    assert comment["author"] == "mona" and comment["created_at"]


def test_drafts_are_hidden_from_other_municipalities(client, people, draft_id):
    for who in ("stranger", "other_clerk"):
        assert client.get(f"/api/drafts/{draft_id}", headers=_headers(people, who)).status_code == 404
        assert client.patch(f"/api/drafts/{draft_id}", json={"title": "x"}, headers=_headers(people, who)
                            ).status_code == 404
    assert client.get(f"/api/drafts/{draft_id}").status_code == 401


def test_figures_and_waste_hints(client, people, draft_id):
    body = client.get(f"/api/drafts/{draft_id}", headers=_headers(people, "clerk")).get_json()
    fig = body["figures"]
    assert fig["minutes_per_case"] == 13 and fig["annual_hours"] == 65.0
    assert fig["media_breaks"] == 2 and fig["handoffs"] == 1
    assert fig["steps_per_group"]["Medienwechsel"] == 2
    assert any("druckt" in hint and "scannt" in hint for hint in fig["hints"])
    assert fig["annual_cost_eur"] == round(65.0 * fig["hourly_rate_eur"])


def test_waiting_without_deadline_and_many_handoffs():
    profile = ProcessProfile.model_validate({"title": "T", "steps": [
        {"n": i + 1, "label": label, "kind": kind, "actor": actor} for i, (label, kind, actor) in enumerate([
            ("Antrag per E-Mail entgegennehmen", "receive", "A"), ("Daten abtippen", "enter_data", "B"),
            ("Auf Rückmeldung warten", "wait", "A"), ("Prüfen", "check_content", "B"), ("Zeichnen", "sign_off", "C")])]})
    profile.steps[1].media_break = True
    hints = figures(profile)["hints"]
    assert any("elektronisch eingegangen" in h for h in hints)
    assert any("ohne erkennbare Frist" in h for h in hints)
    assert any("4-mal die Zuständigkeit" in h for h in hints)


def test_compare_aligns_steps_across_municipalities(client, db, people, draft_id):
    other = ProcessProfile.model_validate({
        "title": "Hundesteuer", "state": "published", "visibility": "netzwerk", "steps": [
            {"n": 1, "label": "Anmeldung entgegennehmen", "kind": "receive"},
            {"n": 2, "label": "Vollständigkeit des Antrags prüfen", "kind": "check_formal"},
            {"n": 3, "label": "Steuer berechnen", "kind": "calculate"},
            {"n": 4, "label": "Bescheid versenden", "kind": "send"}]})
    with db.session() as session:
        other_id = save_profile(session, other, municipality=ensure_municipality(session, "Musterhausen")).row.id
    body = client.get(f"/api/processes/{draft_id}/compare/{other_id}", headers=_headers(people, "modeller")).get_json()
    statuses = [(r["status"], (r["left"] or {}).get("label"), (r["right"] or {}).get("label")) for r in body["steps"]]
    assert ("match", "Antrag auf Vollständigkeit prüfen", "Vollständigkeit des Antrags prüfen") in statuses
    assert ("match", "Bescheid versenden", "Bescheid versenden") in statuses
    assert ("only_right", None, "Steuer berechnen") in statuses
    assert body["left"]["figures"]["media_breaks"] == 2 and body["right"]["municipality"] == "Musterhausen"
    hidden = client.get(f"/api/processes/{other_id}/compare/{draft_id}", headers=_headers(people, "stranger"))
    assert hidden.status_code == 404


def test_audit_trail_for_admins(client, people, draft_id):
    client.patch(f"/api/drafts/{draft_id}", json={"title": "Hund anmelden"}, headers=_headers(people, "modeller"))
    client.post(f"/api/drafts/{draft_id}/submit", headers=_headers(people, "clerk"))
    assert client.get(f"/api/audit?object=profile:{draft_id}", headers=_headers(people, "modeller")
                      ).status_code == 403
    body = client.get(f"/api/audit?object=profile:{draft_id}", headers=_headers(people, "admin")).get_json()
    actions = [(e["action"], e["user"]) for e in body["events"]]
    assert ("profile.edit", "mona") in actions and ("profile.submit", "clara") in actions
    edit = next(e for e in body["events"] if e["action"] == "profile.edit")
    assert edit["before"] == {"title": "Hundesteuer anmelden"} and edit["after"] == {"title": "Hund anmelden"}
    assert client.get("/api/audit?object=kaputt", headers=_headers(people, "admin")).status_code == 400


def test_only_a_request_for_changes_leaves_an_open_comment(client, people, draft_id):
    """The note on an approval is a record, not a to-do that later blocks publishing with a warning."""
    h = lambda who: _headers(people, who)  # noqa: E731
    client.post(f"/api/drafts/{draft_id}/submit", headers=h("clerk"))
    client.post(f"/api/drafts/{draft_id}/review", json={"decision": "request_changes", "comment": "Schritt 4?"},
                headers=h("modeller"))
    client.post(f"/api/drafts/{draft_id}/submit", headers=h("clerk"))
    client.post(f"/api/drafts/{draft_id}/review", json={"decision": "approve", "comment": "Fachlich in Ordnung."},
                headers=h("modeller"))
    comments = {c["text"]: c for c in client.get(f"/api/drafts/{draft_id}", headers=h("clerk")).get_json()["comments"]}
    assert not comments["Schritt 4?"]["resolved"]
    assert comments["Fachlich in Ordnung."]["resolved"] and comments["Fachlich in Ordnung."]["resolved_by"] == "mona"
