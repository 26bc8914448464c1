"""Prozesslotse's own exchange format: JSON, lossless.

Used to move profiles between Prozesslotse installations and for backups;
unlike KOOS or CSV it keeps every field of a profile, including decisions
and step details. Layout::

    {"format": "prozesslotse", "version": 1,
     "municipalities": [{"name": …, "land": …, …}],
     "profiles": [<ProcessProfile as JSON>, …]}

Database ids are not portable: on reading, ``id`` is dropped (the target
database assigns its own). A profile without ``external_id`` gets
``prozesslotse:<id>`` so that importing the same file twice updates instead
of duplicating. A file is imported whole or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.domain import Municipality, ProcessProfile, german_validation_errors

from .results import CorpusError, ParsedFile

FORMAT = "prozesslotse"
VERSION = 1
DEFAULT_FILE_NAME = "prozesslotse-export.json"


@dataclass
class JsonExport:
    """One file's municipalities and profiles (or the errors refusing it)."""

    parsed: ParsedFile
    municipalities: list[Municipality] = field(default_factory=list)


def _municipalities(profiles: list[ProcessProfile]) -> list[dict[str, Any]]:
    """Municipality entries derived from the profiles (name and land, once each)."""
    seen: dict[str, dict[str, Any]] = {}
    for profile in profiles:
        if profile.municipality and profile.land and profile.municipality not in seen:
            seen[profile.municipality] = {"name": profile.municipality, "land": profile.land}
    return list(seen.values())


def write_json(
    profiles: list[ProcessProfile], path_or_dir: Path, *, municipalities: list[Municipality] | None = None,
    figures: list[dict[str, Any]] | None = None,
) -> Path:
    """Write one export file; a directory (or a path without ``.json``) gets ``prozesslotse-export.json``."""
    target = Path(path_or_dir)
    if target.is_dir() or target.suffix.lower() != ".json":
        target = target / DEFAULT_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "municipalities": (
            [m.model_dump(mode="json") for m in municipalities] if municipalities is not None else _municipalities(profiles)
        ),
        "profiles": [p.model_dump(mode="json") for p in profiles],
    }
    if figures is not None:
        # Derived figures (effort, media breaks, hints) for readers of the export; ignored on import.
        document["figures"] = figures
    target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def _prefixed(prefix: str, exc: ValidationError) -> list[str]:
    return [
        f"{prefix}{'.' if e['field'] and not e['field'].startswith('[') else ''}{e['field']}: {e['message']}"
        for e in german_validation_errors(exc)
    ]


def _profile_data(raw: dict[str, Any]) -> dict[str, Any]:
    data = dict(raw)
    db_id = data.pop("id", None)
    if not data.get("external_id") and db_id is not None:
        data["external_id"] = f"prozesslotse:{db_id}"
    return data


def _check_document(document: Any) -> list[str]:
    if not isinstance(document, dict):
        return ["Erwartet wird ein JSON-Objekt mit den Feldern format, version und profiles."]
    if document.get("format") != FORMAT:
        return [f"Kein Prozesslotse-Export: Das Feld „format“ muss „{FORMAT}“ lauten, gefunden: „{document.get('format')}“."]
    if document.get("version") != VERSION:
        return [f"Version „{document.get('version')}“ wird nicht unterstützt (erwartet: {VERSION})."]
    if not isinstance(document.get("profiles"), list):
        return ["profiles: Muss eine Liste von Steckbriefen sein."]
    if not isinstance(document.get("municipalities", []), list):
        return ["municipalities: Muss eine Liste von Kommunen sein."]
    return []


def read_json_file(path: Path) -> JsonExport:
    """Parse and validate one export file."""
    path = Path(path)
    parsed = ParsedFile(str(path))
    export = JsonExport(parsed)

    def refuse(messages: list[str]) -> JsonExport:
        parsed.profiles.clear()
        export.municipalities.clear()
        parsed.errors.extend(CorpusError(str(path), message) for message in messages)
        return export

    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        return refuse([f"Die Datei ist nicht UTF-8-kodiert (Byte {exc.start})."])
    except json.JSONDecodeError as exc:
        return refuse([f"Kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}): {exc.msg}."])
    except OSError as exc:
        return refuse([f"Die Datei ist nicht lesbar: {exc.strerror or exc}."])
    problems = _check_document(document)
    if problems:
        return refuse(problems)

    errors: list[str] = []
    for index, raw in enumerate(document.get("municipalities", [])):
        try:
            export.municipalities.append(Municipality.model_validate(raw))
        except ValidationError as exc:
            errors.extend(_prefixed(f"municipalities[{index}]", exc))
    for index, raw in enumerate(document["profiles"]):
        if not isinstance(raw, dict):
            errors.append(f"profiles[{index}]: Muss ein Objekt mit Feldern sein.")
            continue
        try:
            parsed.profiles.append(ProcessProfile.model_validate(_profile_data(raw)))
        except ValidationError as exc:
            errors.extend(_prefixed(f"profiles[{index}]", exc))
    return refuse(errors) if errors else export


def read_json(path: Path) -> list[ParsedFile]:
    """One ParsedFile per export file; ``path`` is a file or a directory of ``*.json`` files."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if p.is_file())
        if not files:
            return [ParsedFile(str(path), errors=[CorpusError(str(path), "Der Ordner enthält keine .json-Dateien.")])]
        return [read_json_file(p).parsed for p in files]
    if not path.exists():
        return [ParsedFile(str(path), errors=[CorpusError(str(path), "Datei oder Ordner nicht gefunden.")])]
    return [read_json_file(path).parsed]
