"""Catalogue import and export through the command line: KOOS, CSV, JSON."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.storage.models import MunicipalityRow, ProfileRow
from app.storage.profiles import to_domain


def _koos_dir() -> Path:
    if os.environ.get("KOOS_DATA_DIR"):
        return Path(os.environ["KOOS_DATA_DIR"])
    root = Path(__file__).resolve().parents[1]
    for base in (root, *root.parents):
        candidate = base / "shared" / "koos-daten"
        if candidate.is_dir():
            return candidate
    pytest.skip("shared/koos-daten not found next to the checkout")


def _run(runner, *args):
    result = runner.invoke(args=list(args))
    stdout = getattr(result, "stdout", result.output)
    lines = [line for line in stdout.strip().splitlines() if line.startswith("{")]
    return result, (json.loads(lines[-1]) if lines else None)


def _profiles(db, municipality: str) -> list:
    with db.session() as session:
        rows = session.scalars(select(ProfileRow).join(MunicipalityRow)
                               .where(MunicipalityRow.name == municipality).order_by(ProfileRow.external_id))
        return [to_domain(r) for r in rows]


@pytest.mark.slow
def test_koos_import_of_shared_catalogue(app, runner, db, client, make_user):
    koos = _koos_dir()
    result, report = _run(runner, "corpus", "import", "--format", "koos", str(koos), "--municipality", "Musterstadt",
                          "--land", "Niedersachsen", "--json")
    assert result.exit_code == 0, result.output
    assert report["imported"] >= 640 and report["errors"] == []
    with db.session() as session:
        count = session.scalar(select(func.count()).select_from(ProfileRow))
        row = session.scalar(select(ProfileRow).where(ProfileRow.external_id == "proc-abbruch-anzeigen"))
        profile = to_domain(row)
    assert count == report["imported"]
    assert profile.title == "Abbruch anzeigen" and profile.municipality == "Musterstadt"
    assert profile.land == "Niedersachsen"
    assert "§ 60 Abs. 3 Niedersächsische Bauordnung (NBauO)" in profile.legal_basis
    assert [s.label for s in profile.steps][:2] == ["Voraussetzungen prüfen", "Anzeige einreichen"]
    assert profile.org_unit and not profile.org_unit.startswith("oe-")

    again_result, again = _run(runner, "corpus", "import", "--format", "koos", str(koos), "--municipality",
                               "Musterstadt", "--land", "Niedersachsen", "--json")
    assert again_result.exit_code == 0
    assert again["imported"] == 0 and again["unchanged"] == report["imported"]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ProfileRow)) == count

    # Imported profiles are searchable at once.
    _, headers = make_user("mara", "modeller", "Musterstadt", "Niedersachsen")
    body = client.get("/api/search?q=Abbruch%20anzeigen&k=3", headers=headers).get_json()
    assert "proc-abbruch-anzeigen" in [r["external_id"] for r in body["results"]]


def test_broken_koos_files_are_reported_and_others_imported(app, runner, db, tmp_path):
    koos = _koos_dir()
    target = tmp_path / "koos"
    (target / "prozesse").mkdir(parents=True)
    shutil.copy(koos / "orga.yaml", target / "orga.yaml")
    for name in ("proc-abbruch-anzeigen.md", "proc-abfall-entsorgung.md"):
        shutil.copy(koos / "prozesse" / name, target / "prozesse" / name)
    (target / "prozesse" / "proc-kaputt.md").write_text("---\nid: [kaputt\n---\n# Kaputt\n", encoding="utf-8")
    (target / "prozesse" / "proc-ohne-titel.md").write_text("---\nid: proc-ohne-titel\n---\n# X\n", encoding="utf-8")
    result, report = _run(runner, "corpus", "import", "--format", "koos", str(target), "--municipality", "Testdorf",
                          "--json")
    assert result.exit_code == 0
    assert report["imported"] == 2
    failed = {Path(e["file"]).name for e in report["errors"]}
    assert failed == {"proc-kaputt.md", "proc-ohne-titel.md"}
    assert all(e["error"] for e in report["errors"])
    assert {p.external_id for p in _profiles(db, "Testdorf")} == {"proc-abbruch-anzeigen", "proc-abfall-entsorgung"}


def test_strict_import_stops_at_first_broken_file(app, runner, db, tmp_path):
    target = tmp_path / "koos" / "prozesse"
    target.mkdir(parents=True)
    (target / "proc-a-kaputt.md").write_text("kein front matter", encoding="utf-8")
    result = runner.invoke(args=["corpus", "import", "--format", "koos", str(target.parent), "--municipality",
                                 "Testdorf", "--strict", "--json"])
    assert result.exit_code == 1
    assert "abgebrochen" in result.output + getattr(result, "stderr", "")


CSV_TEXT = (
    "ID;Titel;Kategorie;Organisationseinheit;Rechtsgrundlagen;IT-Systeme;Fallzahl Jahr;Minuten pro Fall\n"
    "R-1;Hundesteuer anmelden;Steuern und Finanzen;Steueramt;Hundesteuersatzung|§ 3 NKAG;Infoma newsystem;1.200;12,5\n"
    "R-2;Gewerbe anmelden;Ordnung und Gewerbe;Ordnungsamt;§ 14 GewO;;800;20\n"
)


def test_csv_register_import_cp1252_semicolon(app, runner, db, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(CSV_TEXT.encode("cp1252"))
    result, report = _run(runner, "corpus", "import", "--format", "csv", str(path), "--municipality", "Fallstadt",
                          "--land", "Hessen", "--json")
    assert result.exit_code == 0, result.output
    assert report["imported"] == 2 and report["errors"] == []
    profiles = {p.external_id: p for p in _profiles(db, "Fallstadt")}
    dog = profiles["R-1"]
    assert dog.title == "Hundesteuer anmelden" and dog.case_volume_per_year == 1200 and dog.minutes_per_case == 12.5
    assert dog.legal_basis == ["Hundesteuersatzung", "§ 3 NKAG"] and dog.it_systems == ["Infoma newsystem"]


def test_csv_with_broken_row_writes_nothing(app, runner, db, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(CSV_TEXT + "R-3;Sperrmüll;Umwelt und Abfall;Bauhof;;;viele;5\n", encoding="utf-8")
    result, report = _run(runner, "corpus", "import", "--format", "csv", str(path), "--municipality", "Fallstadt",
                          "--json")
    assert result.exit_code == 0
    assert report["imported"] == 0 and len(report["errors"]) == 1
    assert "Zeile 4" in report["errors"][0]["error"] and "viele" in report["errors"][0]["error"]
    assert _profiles(db, "Fallstadt") == []


@pytest.mark.parametrize("content, expected", [
    (b"{kaputt", "JSON"),
    (b'{"format": "anderes", "version": 1, "profiles": []}', "format"),
    ('{"format": "prozesslotse", "version": 1, "profiles": [{"title": "X", "steps": [{"n": 1, "label": "a", '
     '"kind": "zaubern"}]}]}'.encode(), "steps[0].kind"),
])
def test_broken_json_files_are_refused(app, runner, db, tmp_path, content, expected):
    path = tmp_path / "export.json"
    path.write_bytes(content)
    result, report = _run(runner, "corpus", "import", "--format", "json", str(path), "--municipality", "Testdorf",
                          "--json")
    assert result.exit_code == 0
    assert report["imported"] == 0 and expected in report["errors"][0]["error"]


@pytest.mark.slow
def test_json_and_koos_exports_round_trip(app, runner, db, tmp_path, app_config):
    result, _ = _run(runner, "corpus", "load", "--json")
    assert result.exit_code == 0
    original = {p.external_id: p for p in _profiles(db, "Beispielstadt")}
    assert any(p.steps and p.decisions for p in original.values())

    json_dir, koos_dir = tmp_path / "json", tmp_path / "koos"
    assert _run(runner, "corpus", "export", "--format", "json", str(json_dir), "--municipality", "Beispielstadt",
                "--json")[1] == {"written": len(original)}
    assert _run(runner, "corpus", "export", "--format", "koos", str(koos_dir), "--municipality", "Beispielstadt",
                "--json")[1] == {"written": len(original)}

    exported = json.loads((json_dir / "prozesslotse-export.json").read_text(encoding="utf-8"))
    assert len(exported["figures"]) == len(original)
    assert {"annual_hours", "media_breaks", "handoffs", "hints"} <= set(exported["figures"][0])

    # JSON: lossless into another municipality's namespace of the same database.
    _, report = _run(runner, "corpus", "import", "--format", "json", str(json_dir), "--municipality", "Kopie",
                     "--json")
    assert report["errors"] == [] and report["unchanged"] == len(original)  # same municipality kept, nothing new

    # KOOS: read back into a new municipality with the same titles, units, norms, ids and steps.
    _, report = _run(runner, "corpus", "import", "--format", "koos", str(koos_dir), "--municipality", "Rueckimport",
                     "--land", "Sachsen", "--json")
    assert report["errors"] == [] and report["imported"] == len(original)
    back = {p.external_id: p for p in _profiles(db, "Rueckimport")}
    assert set(back) == set(original)
    for key, profile in original.items():
        copy = back[key]
        assert copy.title == profile.title and copy.org_unit == profile.org_unit
        assert copy.legal_basis == profile.legal_basis and copy.participants == profile.participants
        assert [(s.label, s.kind) for s in copy.steps] == [(s.label, s.kind) for s in profile.steps]


@pytest.mark.slow
def test_json_export_imports_losslessly_into_fresh_database(app, runner, db, tmp_path, app_config):
    from app import create_app

    _run(runner, "corpus", "load", "--json")
    export = tmp_path / "export"
    _run(runner, "corpus", "export", "--format", "json", str(export), "--json")
    before = {(p.municipality, p.external_id): p.model_dump(exclude={"id"}) for p in
              _profiles(db, "Beispielstadt") + _profiles(db, "Musterhausen")}

    with db.session() as session:  # empty the database, then import the export
        for row in session.scalars(select(ProfileRow)):
            session.delete(row)
    result, report = _run(runner, "corpus", "import", "--format", "json", str(export), "--municipality", "Egal",
                          "--json")
    assert result.exit_code == 0 and report["errors"] == []
    after = {(p.municipality, p.external_id): p.model_dump(exclude={"id"}) for p in
             _profiles(db, "Beispielstadt") + _profiles(db, "Musterhausen")}
    assert after == before
