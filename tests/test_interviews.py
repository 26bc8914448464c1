"""The interview API with the built-in interviewer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.storage.models import InterviewMessageRow, ProfileRow
from app.storage.profiles import to_domain


@pytest.fixture
def corpus(app, runner):
    result = runner.invoke(args=["corpus", "load"])
    assert result.exit_code == 0
    return app


@pytest.fixture
def clerk(make_user):
    return make_user("clara", "clerk", "Simulationshausen", "Thüringen")[1]


def _say(client, headers, interview_id, text, **extra):
    response = client.post(f"/api/interviews/{interview_id}/messages", json={"text": text, **extra}, headers=headers)
    return response


def _start(client, headers, **body):
    response = client.post("/api/interviews", json=body, headers=headers)
    assert response.status_code == 201
    return response.get_json()


DOG_OPENING = ("Hallo, ich bin im Steueramt und kümmere mich um die Hundesteuer. Ich möchte den Ablauf beschreiben, "
               "wenn jemand einen Hund anmeldet.")


@pytest.mark.sqlite_only
def test_template_is_offered_with_its_municipality_and_accepted(client, corpus, clerk):
    started = _start(client, clerk)
    assert started["messages"][0]["role"] == "assistant" and started["draft"]["state"] == "draft"
    reply = _say(client, clerk, started["id"], DOG_OPENING).get_json()
    message = reply["reply"]
    assert message["slot"] == "confirm_template"
    assert message["suggestions"] and message["suggestions"][0]["municipality"] in message["text"]
    assert "Passt das bei Ihnen?" in message["text"]
    assert reply["draft"]["org_unit"] == "Steueramt"  # said in passing
    accepted = _say(client, clerk, started["id"], "Ja, das passt so.").get_json()
    assert len(accepted["draft"]["steps"]) >= 5 and "übernommen" in accepted["reply"]["text"]
    assert accepted["reply"]["slot"] != "org_unit", "never asks again for what was said in passing"
    assert all(step["actor"] == "Steueramt" for step in accepted["draft"]["steps"])


def test_own_description_without_retrieval(client, app, clerk):
    started = _start(client, clerk, retrieval=False)
    opening = "Ich bin im Ordnungsamt und stelle Fischereischeine aus. Das sind ca. 150 Fälle im Jahr."
    first = _say(client, clerk, started["id"], opening).get_json()
    assert first["reply"]["slot"] == "title" and first["draft"]["case_volume_per_year"] == 150
    _say(client, clerk, started["id"], "Fischereischein ausstellen")
    _say(client, clerk, started["id"], "Ein Antrag am Schalter.")
    steps = ("Zuerst nehme ich den Antrag entgegen. Dann prüfe ich den Nachweis der Fischerprüfung. "
             "Danach tippe ich die Daten vom Papierantrag in Excel ein. Anschließend drucke ich den Schein aus "
             "und händige ihn aus. Zum Schluss buche ich die Gebühr in H&H proDoppik.")
    body = _say(client, clerk, started["id"], steps).get_json()
    labels = [s["label"] for s in body["draft"]["steps"]]
    assert labels == ["Antrag entgegennehmen", "Nachweis der Fischerprüfung prüfen",
                      "Daten vom Papierantrag in Excel erfassen", "Schein ausdrucken", "Schein aushändigen", "Gebühr buchen"]
    kinds = [s["kind"] for s in body["draft"]["steps"]]
    assert kinds[0] == "receive" and kinds[2] == "enter_data" and kinds[3] == "print" and kinds[5] == "payment"
    assert body["draft"]["steps"][2]["media_break"] is True and body["draft"]["steps"][2]["it_system"] == "Excel"
    assert body["reply"]["slot"] == "decisions" and "1. Antrag entgegennehmen" in body["reply"]["text"]
    decided = _say(client, clerk, started["id"], "Nach Schritt 2 entscheiden wir: Liegt der Nachweis vor? Wenn ja, "
                                                 "geht es mit Schritt 3 weiter, wenn nein ist der Vorgang beendet.")
    decisions = decided.get_json()["draft"]["decisions"]
    assert decisions == [{"after_step": 2, "question": "Liegt der Nachweis vor?",
                          "branches": [{"condition": "ja", "goto_step": 3}, {"condition": "nein", "goto_step": None}]}]
    assert decided.get_json()["reply"]["slot"] != "case_volume"


def test_corrections_change_the_draft(client, app, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], "Ich bin im Bürgerbüro und bearbeite Anträge.")
    _say(client, clerk, started["id"], "Anträge bearbeiten")
    _say(client, clerk, started["id"], "Ein Antrag geht ein.")
    _say(client, clerk, started["id"], "Zuerst nehme ich den Antrag entgegen. Dann prüfe ich die Unterlagen. "
                                       "Danach erfasse ich die Daten. Dann drucke ich den Bescheid. "
                                       "Zum Schluss buche ich die Gebühr.")
    draft = _say(client, clerk, started["id"], "Schritt 4 fällt weg.").get_json()["draft"]
    assert [s["label"] for s in draft["steps"]] == ["Antrag entgegennehmen", "Unterlagen prüfen", "Daten erfassen",
                                                    "Gebühr buchen"]
    draft = _say(client, clerk, started["id"], "Nach Schritt 2 kommt noch: Ich fordere fehlende Unterlagen an."
                 ).get_json()["draft"]
    assert draft["steps"][2]["label"] == "Fehlende Unterlagen anfordern" and len(draft["steps"]) == 5
    draft = _say(client, clerk, started["id"], "Schritt 5 macht bei uns die Kasse.").get_json()["draft"]
    assert draft["steps"][4]["actor"] == "Kasse"
    draft = _say(client, clerk, started["id"], "Nein, das sind eher 50 Fälle im Jahr.").get_json()["draft"]
    assert draft["case_volume_per_year"] == 50


def test_same_client_id_is_answered_once(client, app, clerk, db):
    started = _start(client, clerk, retrieval=False)
    first = _say(client, clerk, started["id"], "Ich bin im Bauamt.", client_id="abc-1").get_json()
    again = _say(client, clerk, started["id"], "Ich bin im Bauamt.", client_id="abc-1").get_json()
    assert again["reply"] == first["reply"] and again["repeated"] is True
    with db.session() as session:
        clerk_messages = session.scalars(select(InterviewMessageRow).where(
            InterviewMessageRow.interview_id == started["id"], InterviewMessageRow.role == "clerk")).all()
    assert len(clerk_messages) == 1


def test_answer_to_files_the_answer_under_the_slot_the_client_names(client, app, clerk):
    started = _start(client, clerk, retrieval=False)
    first = _say(client, clerk, started["id"], "Ich stelle Fischereischeine aus.").get_json()
    assert first["reply"]["slot"] == "title"
    # The client says the message answers "org_unit" although the assistant asked for the title.
    body = _say(client, clerk, started["id"], "Ordnungsamt", answer_to="org_unit").get_json()
    assert body["draft"]["org_unit"] == "Ordnungsamt" and body["draft"]["title"] == "Neuer Prozess"
    stored = client.get(f"/api/interviews/{started['id']}", headers=clerk).get_json()["messages"]
    assert [m["slot"] for m in stored if m["role"] == "clerk"] == [None, "org_unit"]
    # Without answer_to the assistant's own question still decides.
    body = _say(client, clerk, started["id"], "Fischereischein ausstellen").get_json()
    assert body["draft"]["title"] == "Fischereischein ausstellen"


@pytest.mark.parametrize("answer_to", ["titel", "", "confirm_all", "x" * 41])
def test_unknown_answer_to_is_refused_in_german_and_nothing_is_stored(client, app, clerk, db, answer_to):
    started = _start(client, clerk, retrieval=False)
    response = _say(client, clerk, started["id"], "Ordnungsamt", answer_to=answer_to)
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"
    if len(answer_to) <= 40:
        assert response.status_code == 400 and "answer_to" in response.get_json()["detail"]
        assert "org_unit" in response.get_json()["detail"]  # the allowed slots are named
    with db.session() as session:
        assert not session.scalars(select(InterviewMessageRow).where(
            InterviewMessageRow.interview_id == started["id"], InterviewMessageRow.role == "clerk")).all()


@pytest.mark.parametrize("text, status, expected", [
    ("", 422, "leer"), ("   \n ", 422, "leer"), ("x" * 4001, 422, "zu lang"),
])
def test_bad_messages_get_german_errors(client, app, clerk, text, status, expected):
    started = _start(client, clerk)
    response = _say(client, clerk, started["id"], text)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert expected in response.get_json()["detail"]


@pytest.mark.parametrize("text, hint", [
    ("?!?!", "nicht verstanden"), ("asdf qwer zxcv", "nicht verstanden"), ("🐕🐕", "nicht verstanden"),
    ("The quick brown fox jumps over the lazy dog", "auf Deutsch"),
])
def test_odd_input_gets_a_helpful_answer(client, app, clerk, text, hint):
    started = _start(client, clerk, retrieval=False)
    response = _say(client, clerk, started["id"], text)
    assert response.status_code == 200
    reply = response.get_json()["reply"]
    assert reply["role"] == "assistant" and hint in reply["text"]
    assert response.get_json()["draft"]["title"] == "Neuer Prozess"  # nothing was taken from it


def test_message_is_stored_even_if_answering_fails(client, app, clerk, db, monkeypatch):
    from app import interviews

    started = _start(client, clerk, retrieval=False)

    def broken(*_args, **_kwargs):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(interviews, "answer", broken)
    response = _say(client, clerk, started["id"], "Ich bin im Standesamt und beurkunde Geburten.")
    assert response.status_code == 200 and "gespeichert" in response.get_json()["reply"]["text"]
    with db.session() as session:
        texts = [m.text for m in session.scalars(select(InterviewMessageRow).where(
            InterviewMessageRow.interview_id == started["id"]).order_by(InterviewMessageRow.seq))]
    assert "Ich bin im Standesamt und beurkunde Geburten." in texts


def test_finish_creates_a_draft_linked_to_the_interview(client, app, clerk, db):
    started = _start(client, clerk, title="Fundsachen annehmen", retrieval=False)
    _say(client, clerk, started["id"], "Ich bin im Bürgerbüro. Zuerst nehme ich die Fundsache entgegen, dann "
                                       "erfasse ich sie in Excel, danach lagere ich sie ein.")
    finished = client.post(f"/api/interviews/{started['id']}/finish", headers=clerk)
    assert finished.status_code == 200
    draft_id = finished.get_json()["draft_id"]
    with db.session() as session:
        row = session.get(ProfileRow, draft_id)
        profile = to_domain(row)
        assert row.interview_id == started["id"] and profile.state == "draft" and profile.visibility == "intern"
        assert profile.title == "Fundsachen annehmen" and len(profile.steps) == 3
    assert client.post(f"/api/interviews/{started['id']}/finish", headers=clerk).get_json()["draft_id"] == draft_id
    closed = _say(client, clerk, started["id"], "Noch etwas.")
    assert closed.status_code == 409


def test_interviews_are_private(client, app, clerk, make_user):
    started = _start(client, clerk)
    _, other_clerk = make_user("otto", "clerk", "Simulationshausen", "Thüringen")
    _, stranger = make_user("sven", "modeller", "Beispielstadt", "Sachsen")
    _, modeller = make_user("mona", "modeller", "Simulationshausen", "Thüringen")
    assert client.get(f"/api/interviews/{started['id']}", headers=other_clerk).status_code == 404
    assert client.get(f"/api/interviews/{started['id']}", headers=stranger).status_code == 404
    assert client.get(f"/api/interviews/{started['id']}", headers=modeller).status_code == 200
    assert _say(client, stranger, started["id"], "Hallo").status_code == 404
    assert client.post("/api/interviews", json={}).status_code == 401


def test_an_over_long_value_in_the_draft_is_cut_not_a_500(client, app, clerk, db):
    """A misread sentence once became a 300-character actor; every later message then failed with 500."""
    from app.storage.models import InterviewRow

    interview = _start(client, clerk)
    client.post(f"/api/interviews/{interview['id']}/messages", headers=clerk,
                json={"text": "Zuerst nehme ich den Antrag entgegen, dann prüfe ich ihn."})
    with db.session() as session:
        row = session.get(InterviewRow, interview["id"])
        draft = dict(row.draft)
        draft["steps"] = [dict(step, actor="„Bescheid durch Abteilung " + "sehr " * 80 + "“") for step in draft["steps"]]
        row.draft = draft
    answer = client.post(f"/api/interviews/{interview['id']}/messages", headers=clerk,
                         json={"text": "Das sind so 40 Fälle im Jahr."})
    assert answer.status_code == 200, answer.get_json()
    actors = [s["actor"] for s in answer.get_json()["draft"]["steps"]]
    assert actors and all(len(a) <= 200 and a.endswith("…") for a in actors)


def test_within_limits_cuts_only_over_long_text():
    import pytest as _pytest
    from pydantic import ValidationError

    from app.domain import ProcessProfile
    from app.domain.limits import within_limits

    profile = within_limits(ProcessProfile, {"title": "T" * 400, "steps": []})
    assert len(profile.title) == 300 and profile.title.endswith("…")
    with _pytest.raises(ValidationError):
        within_limits(ProcessProfile, {"title": "T", "case_volume_per_year": -5})
