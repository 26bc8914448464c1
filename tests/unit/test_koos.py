"""KOOS reader and writer: the real catalogue, broken files, round trip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.corpus.koos import clean_text, read_koos, slugify, truncate, write_koos
from app.corpus.results import ParsedFile
from app.domain import Branch, Decision, ProcessProfile, Step


def _find_koos_dir() -> Path | None:
    """``KOOS_DATA_DIR``, else ``shared/koos-daten`` next to (or above) the checkout."""
    if os.environ.get("KOOS_DATA_DIR"):
        return Path(os.environ["KOOS_DATA_DIR"])
    repo_root = Path(__file__).resolve().parents[2]
    for base in (repo_root, *repo_root.parents):
        candidate = base / "shared" / "koos-daten"
        if (candidate / "prozesse").is_dir():
            return candidate
    return None


KOOS_DIR = _find_koos_dir()
needs_koos = pytest.mark.skipif(KOOS_DIR is None, reason="KOOS catalogue not found (set KOOS_DATA_DIR)")


def _profiles(results: list[ParsedFile]) -> list[ProcessProfile]:
    return [p for r in results for p in r.profiles]


def _errors(results: list[ParsedFile]) -> list[tuple[str, str]]:
    return [(e.file, e.error) for r in results for e in r.errors]


@pytest.fixture(scope="module")
def koos_results() -> list[ParsedFile]:
    assert KOOS_DIR is not None
    return read_koos(KOOS_DIR, municipality="Musterstadt", land=None)  # import speed: bench/, not a test


@pytest.fixture(scope="module")
def koos_by_id(koos_results: list[ParsedFile]) -> dict[str, ProcessProfile]:
    return {p.external_id: p for p in _profiles(koos_results) if p.external_id}


# --------------------------------------------------------------------------
# The real catalogue
# --------------------------------------------------------------------------


@needs_koos
def test_whole_catalogue_imports_without_errors(koos_results: list[ParsedFile]) -> None:
    assert _errors(koos_results) == []
    profiles = _profiles(koos_results)
    assert len(profiles) >= 640
    assert len({p.external_id for p in profiles}) == len(profiles)
    assert not any("_duplikate" in (p.source or "") for p in profiles)
    for profile in profiles:
        assert profile.state == "published" and profile.visibility == "netzwerk"
        assert profile.municipality == "Musterstadt"
        assert profile.land == "Niedersachsen"  # from koos.yaml
        assert profile.source and profile.source.startswith("KOOS: prozesse/")
        assert profile.org_unit and not profile.org_unit.startswith("oe-")
        for step in profile.steps:
            assert "<" not in step.label and "nicht angegeben" not in step.label
            if step.description:
                assert "<div" not in step.description
                assert "nicht angegeben" not in step.description
                assert not step.description.startswith("Quelle:")


@needs_koos
def test_spot_check_abbruch_anzeigen(koos_by_id: dict[str, ProcessProfile]) -> None:
    profile = koos_by_id["proc-abbruch-anzeigen"]
    assert profile.title == "Abbruch anzeigen"
    assert profile.org_unit == "63 – Bauamt"
    assert profile.legal_basis == ["§ 60 Abs. 3 Niedersächsische Bauordnung (NBauO)"]
    assert profile.leika_key is None
    assert [s.label for s in profile.steps] == [
        "Voraussetzungen prüfen", "Anzeige einreichen", "Unterlagen zusammenstellen",
        "Prüfung durch Behörde", "Bescheid erhalten",
    ]
    assert [s.n for s in profile.steps] == [1, 2, 3, 4, 5]
    assert profile.steps[1].description == "Bei zuständiger Stelle fristgerecht einreichen"
    assert [profile.steps[i].kind for i in (0, 1, 4)] == ["check_formal", "receive", "send"]
    assert profile.source == "KOOS: prozesse/proc-abbruch-anzeigen.md"


@needs_koos
def test_spot_check_abfallberatung(koos_by_id: dict[str, ProcessProfile]) -> None:
    profile = koos_by_id["proc-abfallberatung"]
    assert profile.title == "Abfallberatung"
    assert profile.org_unit == "60 – Umweltamt und Klimaschutz"
    assert profile.participants == ["66 – Tiefbau"]
    assert profile.legal_basis == [
        "§§ 17-21 Kreislaufwirtschaftsgesetz (KrWG) (Überlassungspflichten)",
        "§ 20 KrWG (Pflichten der öffentlich-rechtlichen Entsorgungsträger)",
        "§§ 11-12 Nds. Abfallgesetz (NAbfG)",
    ]
    assert len(profile.steps) == 6
    assert profile.steps[3].label == "Beratungsgespräch führen"
    assert profile.steps[3].kind == "appointment"
    assert profile.steps[5].description == (
        "Beratungsinhalt und Ergebnis dokumentieren; Nachbetreuung bei Bedarf sicherstellen"
    )


@needs_koos
def test_spot_check_grundsicherung(koos_by_id: dict[str, ProcessProfile]) -> None:
    profile = koos_by_id["proc-grundsicherung-im-alter-und-bei-erwerbsminderung-sozialhilfe"]
    assert profile.title == "Grundsicherung im Alter und bei Erwerbsminderung (Sozialhilfe)"
    assert profile.org_unit == "50 – Sozialamt"
    assert profile.leika_key == "99107009000000"
    assert profile.ozg_id == "10084"
    assert profile.legal_basis == ["Viertes Kapitel Zwölftes Buch Sozialgesetzbuch (SGB XII)"]
    assert profile.description and profile.description.startswith("Die Leistungen der Grundsicherung")
    assert "leichter Sprache" not in profile.description
    assert [s.label for s in profile.steps][0] == "Antrag entgegennehmen und Unterlagen prüfen"
    assert profile.steps[0].description == "Rechtsgrundlage: §§ 41, 44 SGB XII"
    assert len(profile.steps) == 4


@needs_koos
def test_html_fragments_and_placeholders_are_cleaned(koos_by_id: dict[str, ProcessProfile]) -> None:
    profile = koos_by_id["proc-ablieferungsfrist-ueberschuesse-aus-pfandverwertung-verlaengern"]
    assert profile.steps[0].description is None  # "nicht angegeben <div class=…"
    assert profile.steps[4].description == (
        "Genehmigung, Ablehnung oder Bestätigung (§ 11 Absatz 1 Satz 1 Pfandleiherverordnung (PfandlV))"
    )


@needs_koos
def test_catalogue_round_trip(tmp_path: Path, koos_results: list[ParsedFile]) -> None:
    original = _profiles(koos_results)
    assert write_koos(original, tmp_path) == len(original)
    back = read_koos(tmp_path, municipality="Musterstadt", land=None)
    assert _errors(back) == []
    by_id = {p.external_id: p for p in _profiles(back)}
    assert len(by_id) == len(original)
    fields = ("title", "org_unit", "participants", "legal_basis", "leika_key", "ozg_id", "description",
              "documents", "land", "category")
    for profile in original:
        copy = by_id[profile.external_id]
        for name in fields:
            assert getattr(copy, name) == getattr(profile, name), (profile.external_id, name)
        assert [(s.label, s.description, s.kind) for s in copy.steps] == [
            (s.label, s.description, s.kind) for s in profile.steps
        ]


# --------------------------------------------------------------------------
# Small catalogues in tmp_path
# --------------------------------------------------------------------------

ORGA = """\
name: Testverwaltung
einheiten:
  - id: oe-amt-32
    name: 32 – Ordnungsamt
    parent: ~
  - id: oe-amt-20
    name: 20 – Kasse
    parent: ~
"""

GOOD = """\
---
id: proc-test-gut
titel: Gaststättenerlaubnis beantragen
status: aktiv
zustaendigeEinheit: oe-amt-32
beteiligte:
  - einheit: oe-amt-20
    aufgabe: Gebühr buchen
  - oe-unbekannt
  - einheit: ~
regelungen:
  - reg-satzung-001
  - {name: '§ 2 GastG'}
  - § 4 GastG
leika_id: 9910
ozg_id: 1234
letzte-aktualisierung: 2026-04-06
daten:
  input: [Antragsformular]
  output: [Erlaubnisurkunde]
---

# Gaststättenerlaubnis beantragen

## Zweck

Gaststättenerlaubnis beantragen

Vorlesen Wer eine Gaststätte mit Alkoholausschank betreibt, braucht eine Erlaubnis.

## Prozessschritte

**01 Antrag entgegennehmen**
*Antrag mit Unterlagen annehmen*

**02 Zuverlässigkeit prüfen**

**03 Gebühr berechnen**

*nicht angegeben <div class="textblock-wrap*

**04 Erlaubnis erteilen**
*Erlaubnis mit Auflagen <b>erteilen</b>*

*Quelle: Testdaten*
"""


def _catalogue(root: Path, files: dict[str, str], orga: str | None = ORGA) -> Path:
    (root / "prozesse" / "_duplikate").mkdir(parents=True)
    if orga is not None:
        (root / "orga.yaml").write_text(orga, encoding="utf-8")
    (root / "regelungen").mkdir()
    (root / "regelungen" / "reg-satzung-001.md").write_text(
        "---\nid: reg-satzung-001\nname: Gebührensatzung\ntyp: Satzung\n---\nText\n", encoding="utf-8"
    )
    for name, text in files.items():
        (root / "prozesse" / name).write_text(text, encoding="utf-8")
    return root


def test_variants_of_a_good_file(tmp_path: Path) -> None:
    root = _catalogue(tmp_path, {"proc-test-gut.md": GOOD, "_duplikate/proc-test-gut.md": GOOD})
    results = read_koos(root, municipality="Testhausen", land="Bayern")
    assert _errors(results) == []
    [profile] = _profiles(results)
    assert profile.org_unit == "32 – Ordnungsamt"
    assert profile.participants == ["20 – Kasse", "oe-unbekannt"]
    assert profile.legal_basis == ["Gebührensatzung", "§ 2 GastG", "§ 4 GastG"]
    assert profile.leika_key is None  # not 14 digits
    assert profile.ozg_id == "1234"
    assert profile.land == "Bayern"
    assert profile.documents == ["Antragsformular", "Erlaubnisurkunde"]
    assert profile.description == "Wer eine Gaststätte mit Alkoholausschank betreibt, braucht eine Erlaubnis."
    assert [(s.n, s.label, s.description) for s in profile.steps] == [
        (1, "Antrag entgegennehmen", "Antrag mit Unterlagen annehmen"),
        (2, "Zuverlässigkeit prüfen", None),
        (3, "Gebühr berechnen", None),
        (4, "Erlaubnis erteilen", "Erlaubnis mit Auflagen erteilen"),
    ]
    assert [s.kind for s in profile.steps] == ["receive", "check_content", "calculate", "decide"]


def test_file_without_steps_and_with_nulls(tmp_path: Path) -> None:
    text = "---\nid: proc-leer\ntitel: Nur ein Titel\nzustaendigeEinheit: null\nbeteiligte: null\nregelungen: null\n---\n# Nur ein Titel\n"
    results = read_koos(_catalogue(tmp_path, {"proc-leer.md": text}), municipality="T", land=None)
    assert _errors(results) == []
    [profile] = _profiles(results)
    assert profile.steps == [] and profile.org_unit is None and profile.participants == []
    assert profile.land is None


def test_missing_orga_keeps_raw_ids(tmp_path: Path) -> None:
    results = read_koos(_catalogue(tmp_path, {"proc-test-gut.md": GOOD}, orga=None), municipality="T", land=None)
    assert _errors(results) == []
    assert _profiles(results)[0].org_unit == "oe-amt-32"


def test_invalid_orga_refuses_with_clear_error(tmp_path: Path) -> None:
    root = _catalogue(tmp_path, {"proc-test-gut.md": GOOD}, orga="einheiten:\n  - id: oe-a\n    name: [kaputt\n")
    results = read_koos(root, municipality="T", land=None)
    assert _profiles(results) == []
    [(file, error)] = _errors(results)
    assert file.endswith("orga.yaml")
    assert "orga.yaml ist ungültig" in error and "Zeile" in error


def test_orga_with_wrong_structure(tmp_path: Path) -> None:
    root = _catalogue(tmp_path, {"proc-test-gut.md": GOOD}, orga="einheiten:\n  - name: ohne id\n")
    [(file, error)] = _errors(read_koos(root, municipality="T", land=None))
    assert file.endswith("orga.yaml") and "einheiten[0]" in error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\nid: proc-x\ntitel: [offen\n---\n", "Ungültiges YAML im Kopfbereich (Zeile 4, begonnen in Zeile 3)"),
        ("# Kein Kopf\n\n## Prozessschritte\n", "Kein YAML-Kopfbereich"),
        ("---\nid: proc-x\ntitel: Ohne Ende\n", "nicht mit einer Zeile „---“ abgeschlossen"),
        ("---\nid: proc-x\nstatus: aktiv\n---\n", "Pflichtfeld „titel“ fehlt"),
        ("---\ntitel: Ohne ID\n---\n", "Pflichtfeld „id“ fehlt"),
        ("---\n- nur\n- eine Liste\n---\n", "Felder der Form"),
        ("---\nid: proc-x\ntitel: T\nprozesslotse:\n  steps:\n    - {label: A, kind: fliegen}\n---\n"
         "## Prozessschritte\n**01 A**\n", "steps[0].kind"),
    ],
)
def test_broken_files_give_precise_errors(tmp_path: Path, text: str, expected: str) -> None:
    root = _catalogue(tmp_path, {"proc-kaputt.md": text, "proc-test-gut.md": GOOD})
    results = read_koos(root, municipality="T", land=None)
    assert len(_profiles(results)) == 1  # the good file still comes through
    broken = [r for r in results if r.errors]
    assert len(broken) == 1 and broken[0].profiles == []
    assert broken[0].file.endswith("proc-kaputt.md")
    assert any(expected in e.error for e in broken[0].errors), broken[0].errors


def test_not_a_catalogue(tmp_path: Path) -> None:
    [result] = read_koos(tmp_path, municipality="T", land=None)
    assert not result.ok and "prozesse/" in result.errors[0].error


def test_long_label_is_truncated_and_kept_in_description(tmp_path: Path) -> None:
    label = "Antrag prüfen " + "und noch etwas mehr " * 30
    text = f"---\nid: proc-lang\ntitel: Lang\n---\n## Prozessschritte\n**01 {label}**\n*Beschreibung*\n"
    [profile] = _profiles(read_koos(_catalogue(tmp_path, {"proc-lang.md": text}), municipality="T", land=None))
    step = profile.steps[0]
    assert len(step.label) <= 300 and step.label.endswith("…")
    assert step.description and step.description.startswith(label.strip()) and step.description.endswith("Beschreibung")


def _full_profile(**changes: object) -> ProcessProfile:
    data: dict[str, object] = dict(
        external_id="proc-hund", title="Hundesteuer anmelden", municipality="Beispielstadt", land="Hessen",
        category="Steuern und Finanzen", state="published", visibility="netzwerk", leika_key="99065004000000",
        ozg_id="10251", description="Anmeldung eines Hundes zur Hundesteuer.\n\nMit zweitem Absatz.",
        trigger="Anmeldung eines Hundes", result="Steuerbescheid", customer="Hundehalter",
        org_unit="Steueramt", participants=["Ordnungsamt", "Kasse"], legal_basis=["Hundesteuersatzung", "§ 7 KAG"],
        it_systems=["Finanzsoftware"], documents=["Anmeldeformular"], case_volume_per_year=800,
        minutes_per_case=12.5, waiting="Keine", exceptions="Listenhunde", process_key="hundesteuer-anmeldung",
        steps=[
            Step(n=1, label="Anmeldung entgegennehmen", kind="receive", actor="Sachbearbeitung", media_break=True),
            Step(n=2, label="Angaben prüfen", kind="check_formal", minutes=0.0, description="Vollständigkeit"),
            Step(n=3, label="Steuer berechnen", kind="calculate", it_system="Finanzsoftware", minutes=3),
            Step(n=4, label="Bescheid versenden", kind="send", next_step=5),
            Step(n=5, label="Akte ablegen", kind="archive"),
        ],
        decisions=[Decision(after_step=2, question="Vollständig?", branches=[
            Branch(condition="ja", goto_step=3), Branch(condition="nein", goto_step=None)])],
    )
    data.update(changes)
    return ProcessProfile.model_validate(data)


def test_round_trip_of_a_full_profile(tmp_path: Path) -> None:
    original = _full_profile()
    unnamed = _full_profile(external_id=None, id=None, title="Ohne Kennung", steps=[], decisions=[])
    numbered = _full_profile(external_id=None, id=42, title="Mit Datenbank-ID", steps=[], decisions=[])
    assert write_koos([original, unnamed, numbered], tmp_path) == 3
    assert (tmp_path / "orga.yaml").is_file()
    assert (tmp_path / "prozesse" / "proc-hund.md").is_file()
    results = read_koos(tmp_path, municipality="Beispielstadt", land=None)
    assert _errors(results) == []
    by_id = {p.external_id: p for p in _profiles(results)}
    assert set(by_id) == {"proc-hund", "proc-pl-ohne-kennung", "proc-pl-42"}
    ignored = {"id", "source"}
    assert by_id["proc-hund"].model_dump(exclude=ignored) == original.model_dump(exclude=ignored)


def test_edited_markdown_wins_over_stored_kinds(tmp_path: Path) -> None:
    write_koos([_full_profile()], tmp_path)
    path = tmp_path / "prozesse" / "proc-hund.md"
    path.write_text(path.read_text(encoding="utf-8").replace("**03 Steuer berechnen**", "**03 Bescheid drucken**"),
                    encoding="utf-8")
    [profile] = _profiles(read_koos(tmp_path, municipality="Beispielstadt", land=None))
    assert [s.kind for s in profile.steps] == ["receive", "check_formal", "print", "send", "archive"]
    assert profile.steps[2].it_system is None


def test_helpers() -> None:
    assert clean_text("nicht angegeben <div class=\"textblock-wrap") is None
    assert clean_text("A &amp; B <br/> C") == "A & B C"
    assert truncate("kurz", 10) == "kurz"
    assert len(truncate("wort " * 100, 50)) <= 50
    assert slugify("Ämter & Ölförderung") == "aemter-oelfoerderung"
