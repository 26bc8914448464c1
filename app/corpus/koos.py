"""Reader and writer for KOOS catalogues (github.com/dsgvo-dev/koos-daten).

A KOOS catalogue is a folder of text files: ``orga.yaml`` (units),
``prozesse/*.md`` (one process per file: YAML front matter between ``---``
lines, then Markdown with a ``## Prozessschritte`` section of numbered bold
headings, each followed by an italic description line) and optionally
``regelungen/*.md`` and ``koos.yaml``. Processes refer to units and
regulations by stable ids; the reader resolves them to names because our
profiles store what a clerk reads.

Mapping (KOOS → profile): ``id`` → ``external_id``, ``titel`` → ``title``,
``zustaendigeEinheit`` → ``org_unit``, ``beteiligte[].einheit`` →
``participants``, ``regelungen`` → ``legal_basis``, ``leika_id`` →
``leika_key`` (only 14 digits), ``ozg_id`` → ``ozg_id``, ``daten.input`` and
``daten.output`` → ``documents``, ``## Zweck`` → ``description``, steps →
``steps`` with a guessed ``kind``. Everything KOOS cannot express (kinds,
actors, decisions, trigger, …) is written by ``write_koos`` into an extra
front-matter mapping ``prozesslotse`` which the reader prefers, so that an
export reads back unchanged.

Pure parsing: returns ``ParsedFile`` objects, never touches storage. Folders
below ``prozesse/`` whose name starts with ``_`` or ``.`` (``_duplikate``)
are skipped: KOOS keeps superseded copies there.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.domain import LAENDER, ProcessProfile, german_validation_errors
from app.nlp.step_kind import classify_step

from .results import CorpusError, ParsedFile

# libyaml's safe loader when available: same safe subset, ten times faster
# on a catalogue of hundreds of files.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the C loader when PyYAML was built with libyaml."""
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a safe loader

EXTRA_KEY = "prozesslotse"
# Profile fields KOOS has no place for; kept in the ``prozesslotse`` mapping.
_EXTRA_FIELDS = (
    "process_key", "category", "trigger", "result", "customer", "it_systems",
    "case_volume_per_year", "minutes_per_case", "waiting", "exceptions", "decisions",
)
_STEP_EXTRA_FIELDS = ("kind", "actor", "it_system", "media_break", "minutes", "next_step")
_STATUS_BY_STATE = {"published": "aktiv", "approved": "aktiv", "archived": "archiviert", "rejected": "archiviert"}

_MAX_LABEL = 300
_MAX_STEP_DESCRIPTION = 4000
_MAX_DESCRIPTION = 8000
_MAX_TITLE = 300
_MAX_STEPS = 200
_MAX_LIST = 50


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------

_HTML_TAG = re.compile(r"<[^<>]*>")
# Scraped KOOS texts contain cut-off tags such as ``<div class="textblock-wrap``.
_HTML_FRAGMENT = re.compile(r"</?[a-zA-Z][^<>)]*")
_NOT_GIVEN = re.compile(r"^\W*nicht angegeben\W*$", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]+")


def clean_text(text: str | None) -> str | None:
    """Strip HTML (also cut-off tags), entities and placeholder text; None if nothing is left."""
    if text is None:
        return None
    text = html.unescape(_HTML_FRAGMENT.sub(" ", _HTML_TAG.sub(" ", str(text))))
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    text = re.sub(r"\s+([),;:])", r"\1", text).strip()
    if not text or _NOT_GIVEN.match(text):
        return None
    return text


def truncate(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def slugify(text: str) -> str:
    """KOOS id rule: lower case, umlauts spelt out, everything else becomes ``-``."""
    text = text.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def _text_list(values: Any) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    return [str(v).strip() for v in values if isinstance(v, (str, int, float)) and str(v).strip()]


# --------------------------------------------------------------------------
# Front matter
# --------------------------------------------------------------------------


class KoosFileError(ValueError):
    """A file that cannot be read as KOOS; the message is the German reason."""


def split_front_matter(text: str) -> tuple[Any, str]:
    """Return (parsed YAML front matter, Markdown body); raises KoosFileError."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise KoosFileError("Kein YAML-Kopfbereich: Die Datei muss mit einer Zeile „---“ beginnen.")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise KoosFileError("Der YAML-Kopfbereich wird nicht mit einer Zeile „---“ abgeschlossen.")
    try:
        data = safe_load("".join(lines[1:end]))
    except yaml.YAMLError as exc:
        raise KoosFileError(f"Ungültiges YAML im Kopfbereich{_yaml_position(exc, offset=1)}. {_yaml_problem(exc)}") from exc
    return data, "".join(lines[end + 1:])


def _yaml_position(exc: yaml.YAMLError, offset: int = 0) -> str:
    """`` (Zeile 4, begonnen in Zeile 3)``: where the parser gave up and where the construct began."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return ""
    context = getattr(exc, "context_mark", None)
    started = f", begonnen in Zeile {context.line + 1 + offset}" if context is not None and context.line != mark.line else ""
    return f" (Zeile {mark.line + 1 + offset}{started})"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    detail = str(getattr(exc, "problem", None) or exc).strip()
    return f"Meldung des YAML-Parsers: {detail}"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KoosFileError(f"Die Datei ist nicht UTF-8-kodiert (Byte {exc.start}).") from exc
    except OSError as exc:
        raise KoosFileError(f"Die Datei ist nicht lesbar: {exc.strerror or exc}.") from exc


# --------------------------------------------------------------------------
# Catalogue-wide lookups: units, regulations, Bundesland
# --------------------------------------------------------------------------


@dataclass
class Lookups:
    """Id → name tables of one catalogue, plus files that could not be read."""

    units: dict[str, str] = field(default_factory=dict)
    regulations: dict[str, str] = field(default_factory=dict)
    land: str | None = None
    problems: list[ParsedFile] = field(default_factory=list)


def _failed(path: Path, reason: str) -> ParsedFile:
    return ParsedFile(str(path), errors=[CorpusError(str(path), reason)])


def read_orga(path: Path) -> dict[str, str]:
    """Unit id → name from ``orga.yaml``; raises KoosFileError with the reason."""
    try:
        data = safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        raise KoosFileError(f"Ungültiges YAML{_yaml_position(exc)}. {_yaml_problem(exc)}") from exc
    entries = data.get("einheiten") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise KoosFileError("Erwartet wird eine Liste „einheiten“ mit Einträgen aus id und name.")
    units: dict[str, str] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not str(entry.get("id") or "").strip():
            raise KoosFileError(f"einheiten[{index}]: Eine Einheit braucht mindestens eine „id“.")
        unit_id = str(entry["id"]).strip()
        units[unit_id] = str(entry.get("name") or "").strip() or unit_id
    return units


def _read_regulations(folder: Path, lookups: Lookups) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.md")):
        try:
            data, _body = split_front_matter(_read_text(path))
        except KoosFileError as exc:
            lookups.problems.append(_failed(path, str(exc)))
            continue
        if not isinstance(data, dict):
            lookups.problems.append(_failed(path, "Der Kopfbereich enthält keine Felder."))
            continue
        reg_id = str(data.get("id") or path.stem).strip()
        name = str(data.get("name") or data.get("titel") or "").strip()
        if name:
            lookups.regulations[reg_id] = name


def _land_from_config(path: Path, lookups: Lookups) -> str | None:
    if not path.is_file():
        return None
    try:
        data = safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        lookups.problems.append(_failed(path, f"Ungültiges YAML{_yaml_position(exc)}. {_yaml_problem(exc)}"))
        return None
    except KoosFileError as exc:
        lookups.problems.append(_failed(path, str(exc)))
        return None
    organisation = data.get("organisation") if isinstance(data, dict) else None
    land = organisation.get("bundesland") if isinstance(organisation, dict) else None
    return land if land in LAENDER else None


# --------------------------------------------------------------------------
# Markdown body
# --------------------------------------------------------------------------

_H2 = re.compile(r"^##(?!#)\s*(.+?)\s*#*\s*$")
_H1 = re.compile(r"^#(?!#)\s")
_STEP_HEADING = re.compile(r"^\s*(?:\*\*|#{3,4}\s+)\s*(\d{1,3})[.):]?\s+(.+?)\s*(?:\*\*)?\s*$")
_SOURCE_LINE = re.compile(r"^[*_]*\s*Quelle\s*:", re.IGNORECASE)
_EMPHASIS = re.compile(r"^(\*{1,2}|_{1,2})(.*?)\1$")


def _sections(body: str) -> dict[str, list[str]]:
    """Lines per level-2 heading (lower-cased title); ``""`` holds the text before the first one."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in body.splitlines():
        heading = _H2.match(line)
        if heading:
            current = heading.group(1).strip().lower()
            sections.setdefault(current, [])
        elif not (current == "" and _H1.match(line)):
            sections[current].append(line)
    return sections


def _strip_emphasis(line: str) -> str:
    line = line.strip()
    match = _EMPHASIS.match(line)
    return match.group(2).strip() if match else line


@dataclass
class RawStep:
    label: str
    description: str | None


def parse_steps(lines: list[str]) -> list[RawStep]:
    """Numbered bold headings, each with the description lines directly below it."""
    steps: list[RawStep] = []
    collecting = False
    description: list[str] = []

    def close() -> None:
        if steps:
            steps[-1].description = clean_text("\n".join(description))

    for line in lines:
        heading = _STEP_HEADING.match(line)
        if heading:
            close()
            steps.append(RawStep(heading.group(2).strip(), None))
            description, collecting = [], True
            continue
        if not steps or not collecting:
            continue
        if not line.strip():
            # Blank lines before the description are allowed; one after it ends it.
            collecting = not description
            continue
        if _SOURCE_LINE.match(line.strip()):
            collecting = False
            continue
        description.append(_strip_emphasis(line))
    close()
    return steps


_DESCRIPTION_NOISE = re.compile(r"^(auch in leichter sprache verfügbar|vorlesen)$", re.IGNORECASE)


def parse_description(sections: dict[str, list[str]], title: str) -> str | None:
    """The ``## Zweck`` text, else prose before the first section; scraping noise removed."""
    lines = sections.get("zweck")
    if lines is None:
        lines = sections.get("", [])
    paragraphs = [p.strip() for p in "\n".join(lines).split("\n\n") if p.strip()]
    kept: list[str] = []
    for paragraph in paragraphs:
        if paragraph == title.strip() or _DESCRIPTION_NOISE.match(paragraph):
            continue
        kept.append(re.sub(r"^Vorlesen\s+", "", paragraph))
    cleaned = [text for text in map(clean_text, kept) if text]
    return truncate("\n\n".join(cleaned), _MAX_DESCRIPTION) if cleaned else None


# --------------------------------------------------------------------------
# One process file → profile
# --------------------------------------------------------------------------


def _ref_id(value: Any) -> str | None:
    """A unit or regulation reference: a plain id, or a mapping holding one."""
    if isinstance(value, dict):
        for key in ("einheit", "id", "ref", "name", "titel", "text"):
            if value.get(key) not in (None, ""):
                return _ref_id(value[key])
        return None
    if isinstance(value, (str, int, float)) and str(value).strip():
        return str(value).strip()
    return None


def _resolve(value: Any, table: dict[str, str]) -> str | None:
    ref = _ref_id(value)
    return table.get(ref, ref) if ref is not None else None


def _resolve_list(values: Any, table: dict[str, str]) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    resolved = [_resolve(v, table) for v in values]
    return [v for v in resolved if v][:_MAX_LIST]


def _leika(front: dict[str, Any]) -> str | None:
    for key in ("leika_id", "leika", "leika_key", "leikaId"):
        value = front.get(key)
        if value not in (None, ""):
            text = str(value).strip()
            return text if re.fullmatch(r"\d{14}", text) else None
    return None


def _ozg(front: dict[str, Any]) -> str | None:
    value = front.get("ozg_id", front.get("ozgId"))
    text = str(value).strip() if value not in (None, "") else ""
    return text if 0 < len(text) <= 100 else None


def _required_text(front: dict[str, Any], key: str) -> str:
    value = front.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise KoosFileError(f"Pflichtfeld „{key}“ fehlt im Kopfbereich.")
    if not isinstance(value, (str, int, float)):
        raise KoosFileError(f"Feld „{key}“ muss ein Text sein.")
    return str(value).strip()


def _extras(front: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Profile fields and per-step fields from the ``prozesslotse`` mapping."""
    block = front.get(EXTRA_KEY)
    if block is None:
        return {}, []
    if not isinstance(block, dict):
        raise KoosFileError(f"{EXTRA_KEY}: Erwartet werden Felder der Form „name: wert“.")
    unknown = sorted(set(block) - set(_EXTRA_FIELDS) - {"steps", "version"})
    if unknown:
        raise KoosFileError(f"{EXTRA_KEY}.{unknown[0]}: Dieses Feld ist unbekannt.")
    steps = block.get("steps") or []
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise KoosFileError(f"{EXTRA_KEY}.steps: Erwartet wird eine Liste von Schritten mit label und kind.")
    return {k: block[k] for k in _EXTRA_FIELDS if k in block}, steps


def _build_steps(raw_steps: list[RawStep], extra_steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Domain step dicts; extras are matched by label so edited Markdown stays authoritative."""
    unused = list(extra_steps)
    steps: list[dict[str, Any]] = []
    for raw in raw_steps[:_MAX_STEPS]:
        label = clean_text(raw.label)
        if not label:
            continue
        description = raw.description
        if len(label) > _MAX_LABEL:
            # Keep the full wording in the description instead of losing it.
            description = label + (f"\n{description}" if description else "")
            label = truncate(label, _MAX_LABEL)
        step: dict[str, Any] = {"n": len(steps) + 1, "label": label}
        if description:
            step["description"] = truncate(description, _MAX_STEP_DESCRIPTION)
        match = next((e for e in unused if str(e.get("label", "")).strip() == label), None)
        if match is not None:
            unused.remove(match)
            step.update({k: v for k, v in match.items() if k != "label"})
        if "kind" not in step:
            step["kind"] = classify_step(label, description or "")
        steps.append(step)
    return steps


def profile_from_koos(
    front: Any, body: str, *, source: str, lookups: Lookups, municipality: str, land: str | None
) -> ProcessProfile:
    """Build and validate one profile; raises KoosFileError or ValidationError."""
    if not isinstance(front, dict):
        raise KoosFileError("Der Kopfbereich muss Felder der Form „name: wert“ enthalten.")
    external_id = _required_text(front, "id")
    title = truncate(_required_text(front, "titel"), _MAX_TITLE)
    extras, extra_steps = _extras(front)
    sections = _sections(body)
    daten = front.get("daten") if isinstance(front.get("daten"), dict) else {}
    category = front.get("kategorie", front.get("category"))
    data: dict[str, Any] = {
        "external_id": external_id,
        "title": title,
        "municipality": municipality,
        "land": land,
        "category": str(category).strip() if isinstance(category, (str, int)) else None,
        "state": "published",
        "visibility": "netzwerk",
        "leika_key": _leika(front),
        "ozg_id": _ozg(front),
        "description": parse_description(sections, title),
        "org_unit": _resolve(front.get("zustaendigeEinheit"), lookups.units),
        "participants": _resolve_list(front.get("beteiligte"), lookups.units),
        "legal_basis": _resolve_list(front.get("regelungen"), lookups.regulations),
        "documents": (_text_list(daten.get("input")) + _text_list(daten.get("output")))[:100],
        "source": truncate(source, 500),
        "steps": _build_steps(parse_steps(sections.get("prozessschritte", [])), extra_steps),
    }
    if data["org_unit"]:
        data["org_unit"] = truncate(data["org_unit"], 300)
    data.update(extras)
    return ProcessProfile.model_validate(data)


def read_process_file(path: Path, root: Path, lookups: Lookups, *, municipality: str, land: str | None) -> ParsedFile:
    relative = path.relative_to(root).as_posix()
    parsed = ParsedFile(str(path))
    try:
        front, body = split_front_matter(_read_text(path))
        parsed.profiles.append(profile_from_koos(
            front, body, source=f"KOOS: {relative}", lookups=lookups, municipality=municipality, land=land,
        ))
    except KoosFileError as exc:
        parsed.errors.append(CorpusError(str(path), str(exc)))
    except ValidationError as exc:
        parsed.errors.extend(
            CorpusError(str(path), f"{e['field']}: {e['message']}" if e["field"] else e["message"])
            for e in german_validation_errors(exc)
        )
    return parsed


def _process_files(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*.md")
        if not any(part.startswith(("_", ".")) for part in path.relative_to(folder).parts)
    )


def read_koos(root: Path, *, municipality: str, land: str | None = None) -> list[ParsedFile]:
    """One ParsedFile per process file below ``root/prozesse``.

    ``land`` defaults to ``organisation.bundesland`` from ``koos.yaml``. A
    broken ``orga.yaml`` refuses the whole catalogue (every unit name would
    be wrong); a missing one leaves unit ids unresolved. Unreadable
    regulation files or ``koos.yaml`` are reported as extra ParsedFiles
    without profiles while the processes are still read.
    """
    root = Path(root)
    folder = root / "prozesse"
    if not folder.is_dir():
        return [_failed(root, "Kein KOOS-Katalog: Der Ordner „prozesse/“ fehlt.")]
    if land is not None and land not in LAENDER:
        return [_failed(root, f"„{land}“ ist kein Bundesland. Erlaubt: {', '.join(LAENDER)}.")]
    lookups = Lookups()
    orga = root / "orga.yaml"
    if orga.is_file():
        try:
            lookups.units = read_orga(orga)
        except KoosFileError as exc:
            return [_failed(orga, f"orga.yaml ist ungültig, der Katalog wird nicht eingelesen. {exc}")]
    _read_regulations(root / "regelungen", lookups)
    land = land or _land_from_config(root / "koos.yaml", lookups)
    results = list(lookups.problems)
    for path in _process_files(folder):
        results.append(read_process_file(path, root, lookups, municipality=municipality, land=land))
    return results


# --------------------------------------------------------------------------
# Writer
# --------------------------------------------------------------------------


def _unit_ids(profiles: list[ProcessProfile]) -> dict[str, str]:
    """Unit name → ``oe-<slug>``; sorted names make the ids stable across exports."""
    names = sorted({n for p in profiles for n in [p.org_unit, *p.participants] if n})
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = f"oe-{slugify(name)}"
        candidate, counter = base, 2
        while candidate in taken:
            candidate, counter = f"{base}-{counter}", counter + 1
        taken.add(candidate)
        ids[name] = candidate
    return ids


def process_id(profile: ProcessProfile) -> str:
    """The KOOS id: the external id, else ``proc-pl-<id>`` or ``proc-pl-<slug of title>``."""
    if profile.external_id:
        return profile.external_id
    return f"proc-pl-{profile.id}" if profile.id is not None else f"proc-pl-{slugify(profile.title)}"


def _file_stem(koos_id: str, taken: set[str]) -> str:
    base = koos_id if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", koos_id) else slugify(koos_id)
    stem, counter = base, 2
    while stem.lower() in taken:
        stem, counter = f"{base}-{counter}", counter + 1
    taken.add(stem.lower())
    return stem


def _worth_keeping(key: str, value: Any) -> bool:
    return key == "kind" or (value is not None and value is not False)


def _extra_block(profile: ProcessProfile) -> dict[str, Any]:
    dumped = profile.model_dump(mode="json")
    block: dict[str, Any] = {"version": 1}
    for key in _EXTRA_FIELDS:
        value = dumped[key]
        if value not in (None, [], ""):
            block[key] = value
    block["steps"] = [
        {"label": step["label"], **{k: step[k] for k in _STEP_EXTRA_FIELDS if _worth_keeping(k, step[k])}}
        for step in dumped["steps"]
    ]
    return block


def _front_matter(profile: ProcessProfile, koos_id: str, unit_ids: dict[str, str]) -> dict[str, Any]:
    front: dict[str, Any] = {
        "id": koos_id,
        "titel": profile.title,
        "status": _STATUS_BY_STATE.get(profile.state, "entwurf"),
        "zustaendigeEinheit": unit_ids.get(profile.org_unit or "", ""),
        "zustaendigeRolle": "",
        "beteiligte": [{"einheit": unit_ids[name], "aufgabe": ""} for name in profile.participants],
        "daten": {"input": list(profile.documents), "output": [], "datenspeicher": []},
        "regelungen": list(profile.legal_basis),
    }
    if profile.leika_key:
        front["leika_id"] = profile.leika_key
    if profile.ozg_id:
        front["ozg_id"] = profile.ozg_id
    front[EXTRA_KEY] = _extra_block(profile)
    return front


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_process(profile: ProcessProfile, koos_id: str, unit_ids: dict[str, str]) -> str:
    """The Markdown file of one process, in the layout of koos-daten."""
    front = yaml.safe_dump(_front_matter(profile, koos_id, unit_ids), allow_unicode=True, sort_keys=False, width=100)
    parts = [f"---\n{front}---\n", f"# {_one_line(profile.title)}\n"]
    if profile.description:
        parts.append(f"## Zweck\n\n{profile.description.strip()}\n")
    if profile.steps:
        lines = ["## Prozessschritte", ""]
        for step in profile.steps:
            lines.append(f"**{step.n:02d} {_one_line(step.label)}**  ")
            for line in (step.description or "").splitlines():
                if line.strip():
                    lines.append(f"*{line.strip()}*")
            lines.append("")
        parts.append("\n".join(lines))
    return "\n".join(parts).rstrip() + "\n"


def _write_config(profiles: list[ProcessProfile], outdir: Path) -> None:
    municipalities = {p.municipality for p in profiles if p.municipality}
    lands = {p.land for p in profiles if p.land}
    organisation: dict[str, Any] = {"name": municipalities.pop() if len(municipalities) == 1 else "Prozesslotse-Export"}
    if len(lands) == 1:
        organisation["bundesland"] = lands.pop()
    config = {"organisation": organisation, "module": {"oe": {"pfad": "orga.yaml"}, "prozesse": {"pfad": "prozesse/", "muster": "*.md"}}}
    (outdir / "koos.yaml").write_text(
        "# koos.yaml — geschrieben von Prozesslotse\n" + yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )


def write_koos(profiles: list[ProcessProfile], outdir: Path) -> int:
    """Write ``orga.yaml``, ``koos.yaml`` and ``prozesse/<id>.md``; returns the number of process files."""
    outdir = Path(outdir)
    (outdir / "prozesse").mkdir(parents=True, exist_ok=True)
    unit_ids = _unit_ids(profiles)
    orga = {
        "name": "Organisationseinheiten (Prozesslotse-Export)",
        "einheiten": [{"id": unit_id, "name": name, "parent": None} for name, unit_id in unit_ids.items()],
    }
    (outdir / "orga.yaml").write_text(
        "# orga.yaml — geschrieben von Prozesslotse\n" + yaml.safe_dump(orga, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    _write_config(profiles, outdir)
    taken: set[str] = set()
    for profile in profiles:
        koos_id = process_id(profile)
        stem = _file_stem(koos_id, taken)
        (outdir / "prozesse" / f"{stem}.md").write_text(render_process(profile, koos_id, unit_ids), encoding="utf-8")
    return len(profiles)
