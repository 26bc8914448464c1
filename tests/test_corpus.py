"""Demo corpus: size guarantees, validation errors, idempotent loading, stats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.corpus.demo import CATEGORIES, read_demo_corpus


@pytest.fixture(scope="module")
def demo(request):
    return read_demo_corpus(Path(__file__).resolve().parents[1] / "corpus")


def test_demo_corpus_is_valid_and_large_enough(demo):
    assert demo.errors == []
    assert len(demo.municipalities) >= 6
    assert len({m.municipality.land for m in demo.municipalities}) >= 3
    assert all(m.municipality.ags_fictional for m in demo.municipalities)
    assert len(demo.profiles) >= 200
    assert len({p.process_key for p in demo.profiles}) >= 80
    detailed = [p for p in demo.profiles if p.steps]
    assert len(detailed) >= 80
    assert all(5 <= len(p.steps) <= 15 for p in detailed)


def test_demo_corpus_covers_all_areas_and_shares_processes(demo):
    assert {p.category for p in demo.profiles} == set(CATEGORIES)
    families: dict[str, set[str]] = {}
    for profile in demo.profiles:
        families.setdefault(profile.process_key, set()).add(profile.municipality)
    shared = [key for key, towns in families.items() if len(towns) >= 2]
    assert len(shared) >= 40, "most processes should exist in several municipalities"


def test_variants_are_authored_not_copied(demo):
    by_family: dict[str, list] = {}
    for profile in demo.profiles:
        by_family.setdefault(profile.process_key, []).append(profile)
    for key, variants in by_family.items():
        descriptions = [v.description for v in variants if v.description]
        assert len(descriptions) == len(set(descriptions)), f"{key}: identical descriptions"
        detailed = [tuple(s.label for s in v.steps) for v in variants if v.steps]
        assert len(detailed) == len(set(detailed)), f"{key}: identical step lists"


def _write(root: Path, municipality_yaml: str, files: dict[str, str]) -> Path:
    (root / "profiles").mkdir(parents=True)
    (root / "municipalities.yaml").write_text(municipality_yaml, encoding="utf-8")
    for name, text in files.items():
        path = root / "profiles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


TOWN = "- slug: testdorf\n  name: Testdorf\n  land: Sachsen\n  ags: '14699999'\n  ags_fictional: true\n"
VALID = "title: Hund anmelden\ncategory: Steuern und Finanzen\n"


@pytest.mark.parametrize("name, text, expected", [
    ("testdorf/a.yaml", "title: [unclosed\n", "a.yaml"),
    ("testdorf/b.yaml", "category: Steuern und Finanzen\n", "title: Angabe fehlt"),
    ("testdorf/c.yaml", "title: X\ncategory: Raumfahrt\n", "category: „Raumfahrt“ ist kein bekannter Bereich"),
    ("testdorf/d.yaml", VALID + "steps:\n" + "".join(
        f"  - label: S{i}\n    kind: fliegen\n" for i in range(5)), "steps[0].kind: Ungültiger Wert"),
    ("testdorf/e.yaml", VALID + "municipality: Woanders\n", "municipality: Dieses Feld wird"),
    ("testdorf/f.yaml", VALID + "steps:\n  - label: nur einer\n    kind: receive\n", "5 bis 15 Schritte"),
    ("nirgendwo/g.yaml", VALID, "keine Kommune"),
    ("testdorf/h.yaml", VALID + "case_volume_per_year: viele\n", "case_volume_per_year: Muss eine ganze Zahl"),
])
def test_broken_corpus_files_are_reported_precisely(tmp_path, name, text, expected):
    root = _write(tmp_path / "c", TOWN, {name: text, "testdorf/ok.yaml": VALID})
    result = read_demo_corpus(root)
    assert [p.title for p in result.profiles] == ["Hund anmelden"]
    assert result.errors and all(e.file.endswith(name.split("/")[-1]) for e in result.errors)
    assert expected in result.errors[0].error, result.errors


def _invoke_json(runner, *args):
    result = runner.invoke(args=[*args, "--json"])
    stdout = result.stdout if hasattr(result, "stdout") else result.output
    return result, json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_corpus_load_is_idempotent_and_counts(app, runner):
    result, loaded = _invoke_json(runner, "corpus", "load")
    assert result.exit_code == 0, result.output
    assert loaded["profiles"] >= 200 and loaded["errors"] == []
    _, stats = _invoke_json(runner, "corpus", "stats")
    assert stats["municipalities"] >= 6 and stats["processes"] >= 80
    assert stats["profiles"] >= 200 and stats["profiles_with_steps"] >= 80
    result, again = _invoke_json(runner, "corpus", "load")
    assert again["imported"] == 0 and again["unchanged"] == loaded["profiles"]
    _, stats_again = _invoke_json(runner, "corpus", "stats")
    assert stats_again == stats
