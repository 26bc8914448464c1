"""BPMN and SVG through the API and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from app.bpmn import to_bpmn
from app.domain import ProcessProfile
from app.storage.profiles import ensure_municipality, save_profile

PROFILE = ProcessProfile.model_validate({
    "title": "Gewerbe anmelden", "state": "published", "visibility": "netzwerk", "org_unit": "Ordnungsamt",
    "steps": [{"n": 1, "label": "Anzeige entgegennehmen", "kind": "receive", "actor": "Bürgerbüro"},
              {"n": 2, "label": "Anzeige prüfen", "kind": "check_formal", "actor": "Ordnungsamt"},
              {"n": 3, "label": "Fehlende Angaben nachfordern", "kind": "search", "actor": "Ordnungsamt"},
              {"n": 4, "label": "Anzeige im Fachverfahren erfassen", "kind": "enter_data", "actor": "Ordnungsamt"},
              {"n": 5, "label": "Auf Rückmeldung warten", "kind": "wait", "actor": "Ordnungsamt"},
              {"n": 6, "label": "Empfangsbescheinigung versenden", "kind": "send", "actor": "Ordnungsamt"}],
    "decisions": [{"after_step": 2, "question": "Vollständig?", "branches": [
        {"condition": "ja", "goto_step": 4}, {"condition": "nein", "goto_step": 3}]}]})


@pytest.fixture
def profile_id(db):
    with db.session() as session:
        return save_profile(session, PROFILE, municipality=ensure_municipality(session, "Beispielstadt")).row.id


def test_bpmn_download_and_svg(client, make_user, profile_id):
    _, headers = make_user("otto", "clerk", "Musterhausen", "Niedersachsen")
    response = client.get(f"/api/processes/{profile_id}/bpmn", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    tree = etree.fromstring(response.data)
    assert tree.tag.endswith("definitions") and b"Anzeige im Fachverfahren erfassen" in response.data
    svg = client.get(f"/api/processes/{profile_id}/diagram.svg", headers=headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert "<script" not in text and "Ordnungsamt" in text and "Vollständig?" in text
    assert "Informationsfluss" in text  # the legend of building-block groups


def test_import_bpmn_for_modellers(client, make_user):
    _, modeller = make_user("mona", "modeller", "Musterhausen", "Niedersachsen")
    _, clerk = make_user("clara", "clerk", "Musterhausen", "Niedersachsen")
    data = to_bpmn(PROFILE.model_copy(update={"id": 1}))
    assert client.post("/api/import/bpmn", data=data, content_type="application/xml", headers=clerk).status_code == 403
    created = client.post("/api/import/bpmn", data=data, content_type="application/xml", headers=modeller)
    assert created.status_code == 201
    body = created.get_json()
    assert body["state"] == "draft" and body["municipality"] == "Musterhausen"
    assert [(s["label"], s["kind"]) for s in body["steps"]] == [(s.label, s.kind) for s in PROFILE.steps]
    assert body["decisions"][0]["after_step"] == 2
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>'
    refused = client.post("/api/import/bpmn", data=bomb, content_type="application/xml", headers=modeller)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    huge = client.post("/api/import/bpmn", data=b"x" * (10 * 1024 * 1024 + 1), content_type="application/xml",
                       headers=modeller)
    assert huge.status_code == 413


def test_cli_export_and_import_bpmn(app, runner, db, tmp_path, profile_id):
    out = tmp_path / "bpmn"
    result = runner.invoke(args=["export", "bpmn", "--all", str(out), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout.strip().splitlines()[-1]) == {"written": 1}
    assert (out / f"{profile_id}.bpmn").exists()
    (out / "kaputt.bpmn").write_text("<nicht-bpmn/>", encoding="utf-8")
    imported = runner.invoke(args=["corpus", "import", "--format", "bpmn", str(out), "--municipality", "Fallstadt",
                                   "--json"])
    report = json.loads(imported.stdout.strip().splitlines()[-1])
    assert report["imported"] == 1 and len(report["errors"]) == 1
    assert Path(report["errors"][0]["file"]).name == "kaputt.bpmn"
    assert runner.invoke(args=["export", "bpmn", str(out)]).exit_code != 0  # neither --all nor --id
