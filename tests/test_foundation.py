"""The base a new machine needs: app starts, schema, errors, catalogue, users."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import create_engine, select

from app.domain import BUILDING_BLOCKS, GROUPS, KINDS, ProcessProfile
from app.storage.models import Base, ProfileVersionRow, UserRow
from app.storage.profiles import ensure_municipality, save_profile, to_domain

FULL_PROFILE = {
    "external_id": "test:1",
    "title": "Hund zur Hundesteuer anmelden",
    "category": "Steuern und Finanzen",
    "state": "published",
    "visibility": "netzwerk",
    "description": "Wer einen Hund hält, meldet ihn zur Hundesteuer an.",
    "trigger": "Anmeldung eines Hundes",
    "result": "Steuerbescheid und Hundemarke",
    "customer": "Hundehalterinnen und Hundehalter",
    "org_unit": "Steueramt",
    "participants": ["Stadtkasse"],
    "legal_basis": ["Hundesteuersatzung", "§ 7 SächsKAG"],
    "it_systems": ["H&H proDoppik"],
    "documents": ["Anmeldeformular", "Steuerbescheid"],
    "case_volume_per_year": 420,
    "minutes_per_case": 25.5,
    "steps": [
        {"n": 1, "label": "Anmeldung entgegennehmen", "kind": "receive", "actor": "Bürgerbüro",
         "it_system": None, "media_break": False, "minutes": 3},
        {"n": 2, "label": "Angaben auf Vollständigkeit prüfen", "kind": "check_formal", "actor": "Steueramt",
         "minutes": 5},
        {"n": 3, "label": "Fehlende Angaben nachfordern", "kind": "search", "actor": "Steueramt", "minutes": 5},
        {"n": 4, "label": "Hund im Finanzverfahren erfassen", "kind": "enter_data", "actor": "Steueramt",
         "it_system": "H&H proDoppik", "media_break": True, "minutes": 6},
        {"n": 5, "label": "Steuer festsetzen", "kind": "calculate", "actor": "Steueramt", "minutes": 4},
        {"n": 6, "label": "Bescheid und Hundemarke versenden", "kind": "send", "actor": "Steueramt", "minutes": 2},
    ],
    "decisions": [
        {"after_step": 2, "question": "Sind die Angaben vollständig?",
         "branches": [{"condition": "ja", "goto_step": 4}, {"condition": "nein", "goto_step": 3}]},
    ],
}


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert "index" in body and "models" in body


def test_unknown_route_is_problem_json(client):
    response = client.get("/api/gibt-es-nicht")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] == "Nicht gefunden"
    assert "gibt es nicht" in body["detail"]


def test_malformed_json_is_problem_json(client):
    response = client.post("/api/auth/token", data="{kaputt", content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "kein gültiges JSON" in response.get_json()["detail"]


def test_json_array_instead_of_object_is_rejected(client):
    response = client.post("/api/auth/token", json=[1, 2])
    assert response.status_code == 400
    assert "JSON-Objekt" in response.get_json()["detail"]


def test_wrong_method_is_problem_json(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_schema_round_trips_profile_with_steps_and_decisions(db):
    profile = ProcessProfile.model_validate(FULL_PROFILE)
    with db.session() as session:
        municipality = ensure_municipality(session, "Beispielstadt", "Sachsen")
        result = save_profile(session, profile, municipality=municipality)
        profile_id = result.row.id
    with db.session() as session:
        from app.storage.models import ProfileRow

        loaded = to_domain(session.get(ProfileRow, profile_id))
    expected = profile.model_dump(mode="json") | {"id": profile_id, "municipality": "Beispielstadt", "land": "Sachsen"}
    assert loaded.model_dump(mode="json") == expected


def test_every_change_writes_an_immutable_version(db):
    profile = ProcessProfile.model_validate(FULL_PROFILE)
    with db.session() as session:
        municipality = ensure_municipality(session, "Beispielstadt", "Sachsen")
        first = save_profile(session, profile, municipality=municipality)
        again = save_profile(session, profile, municipality=municipality, row=first.row)
        assert again.changed is False
        changed = profile.model_copy(update={"minutes_per_case": 30.0})
        second = save_profile(session, changed, municipality=municipality, row=first.row)
        assert second.changed and second.row.version == 2
        profile_id = first.row.id
    session = db.sessions()
    try:
        versions = session.scalars(select(ProfileVersionRow).where(ProfileVersionRow.profile_id == profile_id)
                                   .order_by(ProfileVersionRow.version)).all()
        assert [v.version for v in versions] == [1, 2]
        assert versions[0].content["minutes_per_case"] == 25.5
        assert versions[1].content["minutes_per_case"] == 30.0
        versions[0].note = "verändert"
        with pytest.raises(ValueError, match="immutable"):
            session.flush()
    finally:
        session.rollback()
        session.close()


def test_migrations_match_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_catalogue_lists_twenty_kinds_in_five_groups():
    assert len(KINDS) == 20 and len(GROUPS) == 5
    assert BUILDING_BLOCKS["check_formal"].label == "Formell prüfen"
    assert BUILDING_BLOCKS["enter_data"].label == "Daten in IT-System erfassen"
    assert BUILDING_BLOCKS["wait"].bpmn_element == "intermediateCatchEvent"
    assert BUILDING_BLOCKS["wait"].bpmn_event_definition == "timerEventDefinition"
    assert BUILDING_BLOCKS["send"].bpmn_element == "sendTask"
    assert BUILDING_BLOCKS["receive"].bpmn_element == "receiveTask"
    for block in BUILDING_BLOCKS.values():
        assert block.group in GROUPS and block.label and block.explanation.endswith(".")


def test_catalogue_api_is_public(client):
    body = client.get("/api/catalogue/kinds").get_json()
    assert len(body["kinds"]) == 20
    assert {k["kind"] for k in body["kinds"]} == set(KINDS)


def test_domain_rejects_dangling_decision_in_german():
    data = json.loads(json.dumps(FULL_PROFILE))
    data["decisions"][0]["branches"][1]["goto_step"] = 42
    with pytest.raises(ValidationError) as info:
        ProcessProfile.model_validate(data)
    assert "nicht vorhandenen Schritt 42" in str(info.value)


def test_domain_rejects_gaps_in_step_numbers():
    data = json.loads(json.dumps(FULL_PROFILE))
    data["steps"][2]["n"] = 7
    data["decisions"] = []
    with pytest.raises(ValidationError, match="lückenlos"):
        ProcessProfile.model_validate(data)


def test_users_create_command(app, runner, db):
    result = runner.invoke(args=["users", "create", "--username", "mara", "--password", "sicher-genug",
                                 "--role", "modeller", "--municipality", "Musterhausen", "--land", "Niedersachsen"])
    assert result.exit_code == 0, result.output
    with db.session() as session:
        user = session.scalar(select(UserRow).where(UserRow.username == "mara"))
        assert user.role == "modeller" and user.municipality.name == "Musterhausen"
        assert user.municipality.land == "Niedersachsen"
        assert user.password_hash.startswith("$argon2")


def test_users_create_rejects_duplicate_and_bad_role(app, runner):
    args = ["users", "create", "--username", "mara", "--password", "sicher-genug", "--role", "clerk",
            "--municipality", "Musterhausen"]
    assert runner.invoke(args=args).exit_code == 0
    duplicate = runner.invoke(args=args)
    assert duplicate.exit_code == 1 and "gibt es schon" in duplicate.output + (duplicate.stderr or "")
    bad = runner.invoke(args=args[:-3] + ["chef", "--municipality", "X"])
    assert bad.exit_code != 0


def test_token_login_and_profile_access(client, db, make_user):
    _, own_headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    _, other_headers = make_user("otto", "clerk", "Musterhausen", "Niedersachsen")
    profile = ProcessProfile.model_validate(FULL_PROFILE | {"state": "published", "visibility": "intern"})
    with db.session() as session:
        municipality = ensure_municipality(session, "Beispielstadt")
        profile_id = save_profile(session, profile, municipality=municipality).row.id

    assert client.get(f"/api/processes/{profile_id}").status_code == 401
    own = client.get(f"/api/processes/{profile_id}", headers=own_headers)
    assert own.status_code == 200
    assert own.get_json()["steps"][3]["it_system"] == "H&H proDoppik"
    hidden = client.get(f"/api/processes/{profile_id}", headers=other_headers)
    assert hidden.status_code == 404 and hidden.mimetype == "application/problem+json"

    token = client.post("/api/auth/token", json={"username": "anna", "password": "lotsen-pass-2468"})
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.get(f"/api/processes/{profile_id}", headers=headers).status_code == 200
    wrong = client.post("/api/auth/token", json={"username": "anna", "password": "falsch"})
    assert wrong.status_code == 401 and "falsch" in wrong.get_json()["detail"]
    assert client.get("/api/processes/1", headers={"Authorization": "Bearer unsinn"}).status_code == 401


def test_browser_login_flow_and_csrf(client, make_user):
    make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    page = client.get("/anmelden")
    assert page.status_code == 200 and 'lang="de"' in page.get_data(as_text=True)
    # A post without CSRF token is refused with a German message.
    refused = client.post("/anmelden", data={"username": "anna", "password": "lotsen-pass-2468"})
    assert refused.status_code == 400
    html = page.get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    ok = client.post("/anmelden", data={"username": "anna", "password": "lotsen-pass-2468", "csrf_token": token})
    assert ok.status_code == 302
    start = client.get("/")
    assert "Willkommen, anna" in start.get_data(as_text=True)
