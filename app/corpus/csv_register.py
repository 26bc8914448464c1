"""Reader for process registers kept in spreadsheets (CSV export).

Many municipalities keep their process inventory (Prozessregister) in Excel
or LibreOffice and can export it as CSV. One row is one process profile
without a detailed model. A file is imported whole or not at all: a broken
row refuses the file, so that a register is never half imported and the
clerk gets every problem (row, column, reason) in one go.

Columns (header names are matched case-insensitively, umlauts and spaces
may be written either way; the variants in brackets are accepted too;
columns not listed are ignored):

| Spalte | Feld | Pflicht | Inhalt |
|---|---|---|---|
| `id` (Nr, Nummer, Prozess-ID, Kennung) | `external_id` | ja | eindeutige Kennung im Register |
| `titel` (Prozessname, Prozess, Name, Bezeichnung) | `title` | ja | Name des Prozesses |
| `kategorie` (Bereich, Themenbereich, Aufgabenbereich) | `category` | nein | Bereich |
| `beschreibung` (Kurzbeschreibung, Zweck) | `description` | nein | Text |
| `ausloeser` (Auslöser, Anlass) | `trigger` | nein | was den Prozess startet |
| `ergebnis` | `result` | nein | was am Ende vorliegt |
| `kunde` (Kunden, Zielgruppe, Adressat) | `customer` | nein | für wen |
| `organisationseinheit` (OE, zuständige Stelle, Amt, Fachbereich) | `org_unit` | nein | zuständige Einheit |
| `beteiligte` (beteiligte Stellen, Mitwirkende) | `participants` | nein | Liste, getrennt mit `\\|` |
| `rechtsgrundlagen` (Rechtsgrundlage, Normen) | `legal_basis` | nein | Liste, getrennt mit `\\|` |
| `it_systeme` (IT-System, Software, Fachverfahren) | `it_systems` | nein | Liste, getrennt mit `\\|` |
| `dokumente` (Formulare, Unterlagen) | `documents` | nein | Liste, getrennt mit `\\|` |
| `fallzahl_jahr` (Fallzahl, Fälle pro Jahr) | `case_volume_per_year` | nein | ganze Zahl, `1200` oder `1.200` |
| `minuten_pro_fall` (Bearbeitungszeit, Minuten) | `minutes_per_case` | nein | Zahl, `12,5` oder `12.5` |
| `leika` (LeiKa-Schlüssel, Leistungsschlüssel) | `leika_key` | nein | 14 Ziffern |

File format: delimiter `;` or `,` (detected), text in UTF-8 with or without
BOM, or Windows-1252 (Excel's default "CSV" on German Windows); quoted cells
may contain the delimiter and line breaks; empty lines are skipped. Imported
profiles are published to the network (``state`` ``published``,
``visibility`` ``netzwerk``), like the other catalogue imports.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from app.domain import LAENDER, ProcessProfile, german_validation_errors

from .results import CorpusError, ParsedFile

LIST_SEPARATOR = "|"

# Canonical column → (profile field, accepted header variants after normalisation).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "id": ("external_id", ("id", "nr", "nummer", "prozess_id", "prozessnr", "prozessnummer", "prozess_nr", "kennung")),
    "titel": ("title", ("titel", "title", "prozessname", "prozess", "name", "bezeichnung", "prozessbezeichnung", "prozesstitel")),
    "kategorie": ("category", ("kategorie", "category", "bereich", "themenbereich", "aufgabenbereich", "produktbereich")),
    "beschreibung": ("description", ("beschreibung", "description", "kurzbeschreibung", "zweck")),
    "ausloeser": ("trigger", ("ausloeser", "anlass", "trigger", "startereignis")),
    "ergebnis": ("result", ("ergebnis", "result", "endergebnis", "output")),
    "kunde": ("customer", ("kunde", "kunden", "zielgruppe", "adressat", "adressaten", "customer")),
    "organisationseinheit": ("org_unit", (
        "organisationseinheit", "oe", "org_einheit", "org_unit", "zustaendige_stelle", "zustaendige_oe",
        "zustaendigkeit", "zustaendige_organisationseinheit", "amt", "fachbereich")),
    "beteiligte": ("participants", ("beteiligte", "beteiligte_stellen", "beteiligte_oe", "mitwirkende", "participants")),
    "rechtsgrundlagen": ("legal_basis", ("rechtsgrundlagen", "rechtsgrundlage", "rechtliche_grundlagen", "normen", "gesetze", "legal_basis")),
    "it_systeme": ("it_systems", ("it_systeme", "it_system", "software", "fachverfahren", "it_verfahren", "it_systems")),
    "dokumente": ("documents", ("dokumente", "formulare", "unterlagen", "dokumente_formulare", "documents")),
    "fallzahl_jahr": ("case_volume_per_year", (
        "fallzahl_jahr", "fallzahl", "fallzahlen", "fallzahl_pro_jahr", "faelle_pro_jahr", "faelle_jahr",
        "anzahl_faelle", "jahresfallzahl", "case_volume_per_year")),
    "minuten_pro_fall": ("minutes_per_case", (
        "minuten_pro_fall", "bearbeitungszeit", "bearbeitungszeit_min", "bearbeitungszeit_minuten",
        "bearbeitungsdauer", "minuten", "zeit_pro_fall", "dauer_min", "minutes_per_case")),
    "leika": ("leika_key", ("leika", "leika_schluessel", "leika_id", "leika_key", "leistungsschluessel")),
}
REQUIRED: tuple[str, ...] = ("id", "titel")
_LIST_COLUMNS = ("beteiligte", "rechtsgrundlagen", "it_systeme", "dokumente")
_VARIANTS = {variant: column for column, (_field, variants) in COLUMNS.items() for variant in variants}
_FIELD_TO_COLUMN = {field: column for column, (field, _variants) in COLUMNS.items()}


class CellError(ValueError):
    """A cell that cannot be converted; the message is the German reason."""


def normalise_header(name: str) -> str:
    """``"Fälle pro Jahr"`` → ``"faelle_pro_jahr"``; ``"IT-Systeme"`` → ``"it_systeme"``."""
    name = name.strip().lstrip("\ufeff").lower()
    name = name.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


# --------------------------------------------------------------------------
# Cell parsers
# --------------------------------------------------------------------------

_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_THOUSANDS_DECIMAL = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")


def _compact(raw: str) -> str:
    return re.sub(r"[\s\u00a0\u202f']", "", raw)


def parse_int(raw: str) -> int:
    """``1200``, ``1.200`` and ``1 200`` are 1200; anything else is refused."""
    text = _compact(raw)
    if _THOUSANDS.match(text):
        text = text.replace(".", "")
    if not re.fullmatch(r"\d+", text):
        raise CellError(f"„{raw}“ ist keine ganze Zahl.")
    return int(text)


def parse_number(raw: str) -> float:
    """German (``12,5``, ``1.200,5``) or plain (``12.5``) decimal numbers."""
    text = _compact(raw)
    if _THOUSANDS_DECIMAL.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise CellError(f"„{raw}“ ist keine Zahl.")
    return float(text)


def parse_leika(raw: str) -> str:
    text = _compact(raw)
    if not re.fullmatch(r"\d{14}", text):
        raise CellError(f"„{raw}“ ist kein LeiKa-Schlüssel (14 Ziffern).")
    return text


def parse_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(LIST_SEPARATOR) if part.strip()]


_PARSERS: dict[str, Callable[[str], Any]] = {
    "fallzahl_jahr": parse_int,
    "minuten_pro_fall": parse_number,
    "leika": parse_leika,
    **{column: parse_list for column in _LIST_COLUMNS},
}


# --------------------------------------------------------------------------
# File level: encoding, delimiter, header
# --------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (BOM optional), else Windows-1252; raises CellError if neither fits."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CellError(f"Die Datei ist weder UTF-8 noch Windows-1252 (Byte {exc.start}).") from exc


def _recognised(header: list[str]) -> int:
    return sum(1 for name in header if normalise_header(name) in _VARIANTS)


def detect_delimiter(text: str) -> str:
    """The delimiter among ``;``, ``,`` and tab that the csv Sniffer finds and the header confirms."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    candidates = [";", ",", "\t"]
    try:
        sniffed = csv.Sniffer().sniff(text[:16384], delimiters="".join(candidates)).delimiter
        candidates.insert(0, sniffed)
    except csv.Error:
        pass
    # Prefer the delimiter that splits the header into the most known columns;
    # on a tie the Sniffer's choice (first in the list) wins.
    return max(candidates, key=lambda d: (_recognised(next(csv.reader([first_line], delimiter=d), [])), -candidates.index(d)))


def map_header(header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index → canonical column, and errors for missing or doubled columns."""
    mapping: dict[int, str] = {}
    seen: dict[str, str] = {}
    errors: list[str] = []
    for index, name in enumerate(header):
        column = _VARIANTS.get(normalise_header(name))
        if column is None:
            continue
        if column in seen:
            errors.append(f"Die Spalten „{seen[column]}“ und „{name.strip()}“ meinen beide „{column}“.")
            continue
        seen[column] = name.strip()
        mapping[index] = column
    missing = [column for column in REQUIRED if column not in seen]
    if missing:
        found = ", ".join(f"„{h.strip()}“" for h in header if h.strip()) or "keine"
        names = " und ".join(f"„{m}“" for m in missing)
        errors.append(f"Pflichtspalte {names} fehlt (gefundene Spalten: {found}).")
    return mapping, errors


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


def _row_to_profile(
    cells: dict[str, str], headers: dict[str, str], *, line: int, municipality: str, land: str | None, source: str
) -> tuple[ProcessProfile | None, list[str]]:
    errors: list[str] = []
    data: dict[str, Any] = {
        "municipality": municipality, "land": land, "state": "published", "visibility": "netzwerk", "source": source,
    }
    for column, raw in cells.items():
        raw = raw.strip()
        if not raw:
            if column in REQUIRED:
                errors.append(f"Zeile {line}, Spalte {headers[column]}: Angabe fehlt.")
            continue
        try:
            value = _PARSERS.get(column, str)(raw)
        except CellError as exc:
            errors.append(f"Zeile {line}, Spalte {headers[column]}: {exc}")
            continue
        data[COLUMNS[column][0]] = value
    for column in REQUIRED:
        if column not in cells:
            errors.append(f"Zeile {line}, Spalte {headers[column]}: Angabe fehlt.")
    if errors:
        return None, errors
    try:
        return ProcessProfile.model_validate(data), []
    except ValidationError as exc:
        return None, [_validation_message(e, headers, line) for e in german_validation_errors(exc)]


def _validation_message(error: dict[str, str], headers: dict[str, str], line: int) -> str:
    field = re.split(r"[.\[]", error["field"], maxsplit=1)[0]
    column = _FIELD_TO_COLUMN.get(field)
    where = f"Spalte {headers.get(column, column)}" if column else f"Feld {error['field'] or '–'}"
    return f"Zeile {line}, {where}: {error['message']}"


def read_csv_register(path: Path, *, municipality: str, land: str | None = None) -> ParsedFile:
    """All rows of one register file as profiles, or every reason that refuses the file."""
    path = Path(path)
    parsed = ParsedFile(str(path))

    def refuse(messages: list[str]) -> ParsedFile:
        parsed.errors.extend(CorpusError(str(path), message) for message in messages)
        return parsed

    if land is not None and land not in LAENDER:
        return refuse([f"„{land}“ ist kein Bundesland. Erlaubt: {', '.join(LAENDER)}."])
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        return refuse([f"Die Datei ist nicht lesbar: {exc.strerror or exc}."])
    except CellError as exc:
        return refuse([str(exc)])
    if not text.strip():
        return refuse(["Die Datei ist leer."])

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    header: list[str] | None = None
    errors: list[str] = []
    seen_ids: dict[str, int] = {}
    mapping: dict[int, str] = {}
    headers: dict[str, str] = {}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                mapping, header_errors = map_header(header)
                if header_errors:
                    return refuse(header_errors)
                headers = {column: header[index].strip().lstrip("\ufeff") for index, column in mapping.items()}
                continue
            line = reader.line_num
            cells = {column: row[index] for index, column in mapping.items() if index < len(row)}
            profile, row_errors = _row_to_profile(
                cells, headers, line=line, municipality=municipality, land=land, source=f"CSV: {path.name}",
            )
            errors.extend(row_errors)
            if profile is None:
                continue
            assert profile.external_id is not None
            if profile.external_id in seen_ids:
                errors.append(
                    f"Zeile {line}, Spalte {headers['id']}: „{profile.external_id}“ steht schon in Zeile {seen_ids[profile.external_id]}."
                )
                continue
            seen_ids[profile.external_id] = line
            parsed.profiles.append(profile)
    except csv.Error as exc:
        errors.append(f"Zeile {reader.line_num}: Die CSV-Struktur ist beschädigt ({exc}).")
    if header is None:
        errors.append("Die Datei enthält keine Kopfzeile.")
    if errors:
        parsed.profiles.clear()
        return refuse(errors)
    return parsed
