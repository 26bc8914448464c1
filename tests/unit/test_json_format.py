"""Prozesslotse's JSON exchange format: lossless round trip and precise refusals."""

from __future__ import annotations

import json
from pathlib import Path

from app.corpus.json_format import read_json, read_json_file, write_json
from app.domain import Branch, Decision, Municipality, ProcessProfile, Step


def _profile(**changes: object) -> ProcessProfile:
    data: dict[str, object] = dict(
        id=17, external_id="demo:beispielstadt:hundesteuer", process_key="hundesteuer-anmeldung",
        title="Hundesteuer anmelden", municipality="Beispielstadt", land="Hessen",
        category="Steuern und Finanzen", state="in_review", visibility="intern", leika_key="99065004000000",
        ozg_id="10251", description="Anmeldung eines Hundes.\nZweite Zeile.", trigger="Anmeldung geht ein",
        result="Steuerbescheid", customer="Hundehalter", org_unit="Steueramt",
        participants=["Ordnungsamt", "Kasse"], legal_basis=["Hundesteuersatzung"], it_systems=["Finanzsoftware"],
        documents=["Anmeldeformular", "Steuermarke"], case_volume_per_year=800, minutes_per_case=12.5,
        waiting="Rückfragen beim Halter", exceptions="Listenhunde", source="Interview",
        steps=[
            Step(n=1, label="Anmeldung entgegennehmen", kind="receive", actor="Bürgerbüro", media_break=True,
                 minutes=2, description="Formular oder Online-Antrag"),
            Step(n=2, label="Angaben prüfen", kind="check_formal", it_system="Finanzsoftware", minutes=0),
            Step(n=3, label="Nachweis anfordern", kind="search", next_step=2),
            Step(n=4, label="Steuer festsetzen", kind="calculate"),
            Step(n=5, label="Bescheid versenden", kind="send"),
        ],
        decisions=[Decision(after_step=2, question="Angaben vollständig?", branches=[
            Branch(condition="ja", goto_step=4), Branch(condition="nein", goto_step=3)])],
    )
    data.update(changes)
    return ProcessProfile.model_validate(data)


def test_lossless_round_trip(tmp_path: Path) -> None:
    original = _profile()
    path = write_json([original], tmp_path / "export.json")
    [parsed] = read_json(path)
    assert parsed.ok, parsed.errors
    [copy] = parsed.profiles
    assert copy.id is None
    assert copy.model_dump() == {**original.model_dump(), "id": None}


def test_directory_and_municipalities(tmp_path: Path) -> None:
    munich = Municipality(name="Beispielstadt", land="Hessen", population=12000)
    first = write_json([_profile()], tmp_path, municipalities=[munich])
    assert first == tmp_path / "prozesslotse-export.json"
    write_json([_profile(id=None, external_id=None, title="Zweiter")], tmp_path / "b.json")
    document = json.loads(first.read_text(encoding="utf-8"))
    assert document["format"] == "prozesslotse" and document["version"] == 1
    assert document["municipalities"] == [munich.model_dump(mode="json")]
    results = read_json(tmp_path)
    assert [Path(r.file).name for r in results] == ["b.json", "prozesslotse-export.json"]
    assert all(r.ok for r in results)
    assert read_json_file(first).municipalities == [munich]
    derived = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["municipalities"]
    assert derived == [{"name": "Beispielstadt", "land": "Hessen"}]


def test_database_id_becomes_external_id_fallback(tmp_path: Path) -> None:
    path = write_json([_profile(id=5, external_id=None)], tmp_path / "x.json")
    [parsed] = read_json(path)
    assert parsed.profiles[0].external_id == "prozesslotse:5"


def test_broken_json(tmp_path: Path) -> None:
    path = tmp_path / "kaputt.json"
    path.write_text('{"format": "prozesslotse",\n "version": 1,,}', encoding="utf-8")
    [parsed] = read_json(path)
    assert parsed.profiles == []
    [error] = parsed.errors
    assert error.file == str(path)
    assert error.error.startswith("Kein gültiges JSON (Zeile 2, Spalte")


def test_wrong_format_marker_and_version(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"format": "koos", "version": 1, "profiles": []}), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"format": "prozesslotse", "version": 9, "profiles": []}), encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps([1, 2]), encoding="utf-8")
    a, b, c = read_json(tmp_path)
    assert "Kein Prozesslotse-Export" in a.errors[0].error and "„koos“" in a.errors[0].error
    assert "Version „9“ wird nicht unterstützt" in b.errors[0].error
    assert "JSON-Objekt" in c.errors[0].error


def test_invalid_step_kind_names_the_field_path(tmp_path: Path) -> None:
    path = write_json([_profile(), _profile(external_id="zwei")], tmp_path / "x.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["profiles"][1]["steps"][2]["kind"] = "fliegen"
    document["profiles"][1]["decisions"][0]["branches"][0]["goto_step"] = 99
    path.write_text(json.dumps(document), encoding="utf-8")
    [parsed] = read_json(path)
    assert parsed.profiles == []  # one bad profile refuses the file
    messages = [e.error for e in parsed.errors]
    assert any(m.startswith("profiles[1].steps[2].kind: Ungültiger Wert.") for m in messages), messages
    assert not any(m.startswith("profiles[0]") for m in messages)


def test_flow_error_and_bad_municipality(tmp_path: Path) -> None:
    path = write_json([_profile()], tmp_path / "x.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["profiles"][0]["decisions"][0]["branches"][0]["goto_step"] = 99
    document["municipalities"] = [{"name": "X", "land": "Atlantis"}]
    path.write_text(json.dumps(document), encoding="utf-8")
    messages = [e.error for e in read_json(path)[0].errors]
    assert any(m.startswith("municipalities[0].land: Ungültiger Wert.") for m in messages), messages
    assert any(m.startswith("profiles[0]: ") and "nicht vorhandenen Schritt 99" in m for m in messages), messages


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    assert not read_json(tmp_path / "fehlt.json")[0].ok
    [empty] = read_json(tmp_path)
    assert "keine .json-Dateien" in empty.errors[0].error
