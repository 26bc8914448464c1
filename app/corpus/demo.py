"""Reader for the demo corpus in ``corpus/`` (format: ``corpus/README.md``).

Pure parsing and validation: returns domain objects plus precise errors
(file, field, reason). Writing to the database is the caller's job, so the
same reader serves the loader command, tests and the authors' checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.domain import Municipality, ProcessProfile, german_validation_errors

from .results import CorpusError

CATEGORIES: tuple[str, ...] = (
    "Bürgerbüro und Meldewesen", "Standesamt", "Ordnung und Gewerbe", "Verkehr", "Bauen",
    "Steuern und Finanzen", "Soziales", "Jugend und Kita", "Schule", "Umwelt und Abfall",
    "Friedhof", "Personal", "Interne Dienste",
)

# Fields the loader sets itself; a file must not contain them.
_DERIVED = ("id", "municipality", "land", "process_key", "external_id")


@dataclass
class DemoMunicipality:
    slug: str
    municipality: Municipality
    description: str = ""


@dataclass
class DemoCorpus:
    municipalities: list[DemoMunicipality] = field(default_factory=list)
    profiles: list[ProcessProfile] = field(default_factory=list)
    errors: list[CorpusError] = field(default_factory=list)


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _validation_errors(path: Path, exc: ValidationError, prefix: str = "") -> list[CorpusError]:
    return [
        CorpusError(str(path), f"{prefix}{e['field']}: {e['message']}" if e["field"] else e["message"])
        for e in german_validation_errors(exc)
    ]


def read_municipalities(path: Path) -> tuple[list[DemoMunicipality], list[CorpusError]]:
    try:
        raw = _load_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        return [], [CorpusError(str(path), f"Datei nicht lesbar: {exc}")]
    if not isinstance(raw, list):
        return [], [CorpusError(str(path), "Erwartet wird eine Liste von Kommunen.")]
    result: list[DemoMunicipality] = []
    errors: list[CorpusError] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or not entry.get("slug"):
            errors.append(CorpusError(str(path), f"[{index}].slug: Angabe fehlt."))
            continue
        entry = dict(entry)
        slug = str(entry.pop("slug"))
        description = str(entry.pop("description", "") or "")
        try:
            result.append(DemoMunicipality(slug, Municipality.model_validate(entry), description))
        except ValidationError as exc:
            errors.extend(_validation_errors(path, exc, prefix=f"[{index}]."))
    return result, errors


def read_profile(path: Path, municipality: DemoMunicipality) -> ProcessProfile:
    """Parse one profile file; raises ValueError/ValidationError with the reason."""
    raw = _load_yaml(path)
    if not isinstance(raw, dict):
        raise ValueError("Erwartet wird ein Steckbrief als YAML-Objekt.")
    for key in _DERIVED:
        if key in raw:
            raise ValueError(f"{key}: Dieses Feld wird aus Ordner und Dateiname abgeleitet und darf nicht in der Datei stehen.")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise ValueError(f"category: „{category}“ ist kein bekannter Bereich. Erlaubt: {', '.join(CATEGORIES)}.")
    steps = raw.get("steps") or []
    if isinstance(steps, list):
        for position, step in enumerate(steps, start=1):
            if isinstance(step, dict):
                if "n" in step and step["n"] != position:
                    raise ValueError(f"steps[{position - 1}].n: steht an Position {position}, trägt aber die Nummer {step['n']}.")
                step.setdefault("n", position)
    data = {
        **raw,
        "steps": steps,
        "process_key": path.stem,
        "municipality": municipality.municipality.name,
        "land": municipality.municipality.land,
        "external_id": f"demo:{municipality.slug}:{path.stem}",
    }
    data.setdefault("state", "published")
    data.setdefault("visibility", "netzwerk")
    data.setdefault("source", "Prozesslotse-Demokorpus")
    profile = ProcessProfile.model_validate(data)
    if profile.steps and not 5 <= len(profile.steps) <= 15:
        raise ValueError(f"steps: Ein Detailmodell hat 5 bis 15 Schritte, hier sind es {len(profile.steps)}.")
    return profile


def read_demo_corpus(root: Path) -> DemoCorpus:
    """Read ``municipalities.yaml`` and ``profiles/<slug>/<process>.yaml`` below ``root``."""
    corpus = DemoCorpus()
    municipalities, errors = read_municipalities(root / "municipalities.yaml")
    corpus.municipalities = municipalities
    corpus.errors.extend(errors)
    by_slug = {m.slug: m for m in municipalities}
    profiles_dir = root / "profiles"
    if not profiles_dir.is_dir():
        corpus.errors.append(CorpusError(str(profiles_dir), "Ordner profiles/ fehlt."))
        return corpus
    for path in sorted(profiles_dir.glob("*/*.yaml")):
        municipality = by_slug.get(path.parent.name)
        if municipality is None:
            corpus.errors.append(CorpusError(str(path), f"Ordner „{path.parent.name}“ ist keine Kommune aus municipalities.yaml."))
            continue
        try:
            corpus.profiles.append(read_profile(path, municipality))
        except ValidationError as exc:
            corpus.errors.extend(_validation_errors(path, exc))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            corpus.errors.append(CorpusError(str(path), str(exc)))
    return corpus


if __name__ == "__main__":  # authors' check: python -m app.corpus.demo corpus/
    import sys
    from collections import Counter

    result = read_demo_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus"))
    for error in result.errors:
        print(f"FEHLER {error.file}: {error.error}")
    families = {p.process_key for p in result.profiles}
    with_steps = sum(1 for p in result.profiles if p.steps)
    print(f"municipalities={len(result.municipalities)} profiles={len(result.profiles)} "
          f"processes={len(families)} profiles_with_steps={with_steps} errors={len(result.errors)}")
    print("per category:", dict(Counter(p.category for p in result.profiles)))
    sys.exit(1 if result.errors else 0)
