"""Issue 18, the modeller's side: decisions edited like the API validates them, editing between approval and
publication (a second approval only when the model changed), the network preview, confirmation data,
capitalised state headings and comparison reasons on the pages."""

from __future__ import annotations

import re

import pytest

from app.domain import ProcessProfile
from app.storage.models import AuditEventRow
from app.storage.profiles import ensure_municipality, save_profile

HTML = {"Accept": "text/html"}
STEPS = [
    {"label": "Antrag entgegennehmen", "kind": "receive", "actor": "Bürgerbüro", "minutes": 3},
    {"label": "Antrag auf Vollständigkeit prüfen", "kind": "check_formal", "actor": "Bürgerbüro", "minutes": 5},
    {"label": "Unterlagen nachfordern", "kind": "search", "actor": "Bürgerbüro"},
    {"label": "Erlaubnis per E-Mail versenden", "kind": "send", "actor": "Bürgerbüro", "minutes": 1},
]
DECISIONS = [{"after_step": 2, "question": "Vollständig?", "branches": [
    {"condition": "ja", "goto_step": 4}, {"condition": "nein", "goto_step": 3}]}]


@pytest.fixture
def people(make_user):
    return {
        "clerk": make_user("clara", "clerk", "Simulationshausen", "Thüringen"),
        "modeller": make_user("mona", "modeller", "Simulationshausen", "Thüringen"),
        "other_modeller": make_user("otto", "modeller", "Musterhausen", "Niedersachsen"),
    }


def _save(db, people, state: str, title: str = "Angelerlaubnis erteilen", municipality: str = "Simulationshausen"):
    profile = ProcessProfile.model_validate({
        "title": title, "state": state, "visibility": "intern", "customer": "greenpeace und so",
        "steps": [dict(s, n=i + 1) for i, s in enumerate(STEPS)], "decisions": DECISIONS})
    with db.session() as session:
        row = save_profile(session, profile, municipality=ensure_municipality(session, municipality),
                           author_id=people["clerk"][0]).row
        return row.id


@pytest.fixture
def approved_id(db, people):
    return _save(db, people, "approved")


def _login(app, user_id):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user_id
    return client


# -- decisions through the API ------------------------------------------------------------------

def test_decisions_with_end_and_loop_back_are_accepted(client, people, db):
    draft = _save(db, people, "in_review")
    decisions = [{"after_step": 2, "question": "Unterlagen vollständig?", "branches": [
        {"condition": "ja", "goto_step": 4}, {"condition": "nein", "goto_step": 3}, {"condition": "zurückgezogen",
                                                                                  "goto_step": None}]},
                 {"after_step": 3, "question": "Nachgereicht?", "branches": [
                     {"condition": "ja", "goto_step": 2}, {"condition": "nein", "goto_step": None}]}]
    answer = client.patch(f"/api/drafts/{draft}", json={"decisions": decisions}, headers=people["modeller"][1])
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["decisions"] == decisions


@pytest.mark.parametrize("decisions, words", [
    ([{"after_step": 2, "question": "", "branches": [{"condition": "a", "goto_step": 3},
                                                     {"condition": "b", "goto_step": None}]}], "Frage"),
    ([{"after_step": 2, "question": "Q?", "branches": [{"condition": "a", "goto_step": 3}]}], "Mindestens 2"),
    ([{"after_step": 2, "question": "Q?", "branches": [{"condition": "a", "goto_step": 9},
                                                       {"condition": "b", "goto_step": None}]}], "nicht vorhandenen"),
    ([{"after_step": 2, "question": "Q?", "branches": [{"condition": "a", "goto_step": 3},
                                                       {"condition": "b", "goto_step": None}]},
      {"after_step": 2, "question": "R?", "branches": [{"condition": "a", "goto_step": 3},
                                                       {"condition": "b", "goto_step": None}]}], "mehr als eine"),
])
def test_invalid_decisions_are_refused_in_german(client, people, db, decisions, words):
    draft = _save(db, people, "in_review")
    answer = client.patch(f"/api/drafts/{draft}", json={"decisions": decisions}, headers=people["modeller"][1])
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    body = answer.get_json()
    assert words in body["detail"] and body["errors"]


# -- editing between approval and publication ----------------------------------------------------

def test_wording_edit_keeps_the_approval(client, people, approved_id):
    answer = client.patch(f"/api/drafts/{approved_id}", json={"customer": "Anglerinnen und Angler"},
                          headers=people["modeller"][1])
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["state"] == "approved" and body["customer"] == "Anglerinnen und Angler" and body["version"] == 2
    assert client.patch(f"/api/drafts/{approved_id}", json={"customer": "x"}, headers=people["clerk"][1]
                        ).status_code == 409


def test_changed_steps_need_a_second_approval(client, people, approved_id, db):
    steps = [dict(s, n=i + 1) for i, s in enumerate(STEPS)]
    steps[3]["label"] = "Erlaubnis versenden"
    answer = client.patch(f"/api/drafts/{approved_id}", json={"steps": steps}, headers=people["modeller"][1])
    assert answer.status_code == 200 and answer.get_json()["state"] == "in_review"
    versions = client.get(f"/api/drafts/{approved_id}/versions", headers=people["modeller"][1]).get_json()["versions"]
    assert "erneute Freigabe" in versions[-1]["note"]
    with db.session() as session:
        actions = [e.action for e in session.query(AuditEventRow).filter_by(object_id=str(approved_id))]
    assert "profile.reopen" in actions
    changed = [dict(d) for d in DECISIONS]
    second = _save(db, people, "approved", title="Zweiter")
    changed[0] = dict(changed[0], question="Alles da?")
    assert client.patch(f"/api/drafts/{second}", json={"decisions": changed}, headers=people["modeller"][1]
                        ).get_json()["state"] == "in_review"


def test_published_profiles_stay_editable_for_modellers(client, people, db):
    published = _save(db, people, "published")
    answer = client.patch(f"/api/drafts/{published}", json={"title": "Angelerlaubnis"}, headers=people["modeller"][1])
    assert answer.status_code == 200 and answer.get_json()["state"] == "published"


# -- pages ---------------------------------------------------------------------------------------------

def test_preview_shows_what_the_network_sees(app, people, approved_id):
    modeller = _login(app, people["modeller"][0])
    page = modeller.get(f"/entwuerfe/{approved_id}/vorschau", headers=HTML)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Vorschau:" in text and "alle Kommunen im Netzwerk" in text and "Veröffentlicht" in text
    assert "greenpeace und so" in text and "<svg" in text and "Ähnliche Prozesse" not in text
    assert "&#34;state&#34;: &#34;published&#34;" in text or '"state": "published"' in text
    intern = modeller.get(f"/entwuerfe/{approved_id}/vorschau?sichtbarkeit=intern", headers=HTML).get_data(as_text=True)
    assert "Ihrer Kommune" in intern
    assert _login(app, people["clerk"][0]).get(f"/entwuerfe/{approved_id}/vorschau", headers=HTML).status_code == 403
    assert _login(app, people["other_modeller"][0]).get(f"/entwuerfe/{approved_id}/vorschau",
                                                        headers=HTML).status_code == 404


def test_approved_draft_page_offers_editing_preview_and_confirmation(app, people, approved_id):
    page = _login(app, people["modeller"][0]).get(f"/entwuerfe/{approved_id}", headers=HTML).get_data(as_text=True)
    assert 'id="profile-form"' in page and 'id="step-editor"' in page and 'id="approved-edit-hint"' in page
    assert f'href="/entwuerfe/{approved_id}/vorschau"' in page and 'id="confirm-dialog"' in page
    assert 'data-action="publish"' in page
    assert "<script>" not in page  # data travels as JSON, code in static files (CSP)


def test_queue_headings_are_capitalised_and_counted(app, people, db):
    _save(db, people, "in_review")
    queue = _login(app, people["modeller"][0]).get("/pruefung", headers=HTML).get_data(as_text=True)
    assert re.search(r'In Prüfung <span class="count">\(1\)</span>', queue)
    assert "In prüfung" not in queue and 'class="badge state-in_review">In Prüfung<' in queue


def test_compare_page_says_why_steps_were_paired(app, people, db):
    left = _save(db, people, "published")
    other = ProcessProfile.model_validate({"title": "Fischereischein", "state": "published", "visibility": "intern",
                                           "steps": [{"n": 1, "label": "Anmeldung annehmen", "kind": "receive"},
                                                     {"n": 2, "label": "Gebühr buchen", "kind": "payment"},
                                                     {"n": 3, "label": "Bescheid versenden", "kind": "send"}]})
    with db.session() as session:
        right = save_profile(session, other, municipality=ensure_municipality(session, "Simulationshausen")).row.id
    page = _login(app, people["modeller"][0]).get(f"/prozesse/{left}/vergleich/{right}", headers=HTML
                                                  ).get_data(as_text=True)
    assert "Gleicher Baustein „Dokument/Information versenden“" in page
    assert "„Erlaubnis“ ≈ „Bescheid“" in page
    assert "2 Schritte haben ein Gegenstück" in page and "nur rechts (Simulationshausen): 1 Schritt." in page
