"""Writing parsed catalogue files to the database, one transaction per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy.exc import SQLAlchemyError

from app.storage.db import Database
from app.storage.models import MunicipalityRow
from app.storage.profiles import ensure_municipality, upsert_by_external_id

from .results import CorpusError, ParsedFile


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused_files: int = 0
    errors: list[CorpusError] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def as_dict(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            # Profiles not written: already up to date, or in a refused file.
            "skipped": self.unchanged + self.refused_files,
            "errors": [e.as_dict() for e in self.errors],
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


class StrictImportAborted(Exception):
    """``--strict``: the first broken file stops the import."""


def store_files(
    db: Database,
    files: list[ParsedFile],
    municipality_for: Callable[..., MunicipalityRow],
    *,
    strict: bool = False,
    note: str = "Import",
    progress: Callable[[], None] | None = None,
) -> ImportReport:
    """Store every valid file in its own transaction; broken files are reported, not written.

    ``municipality_for(session, profile)`` returns the municipality row for a
    profile inside the given session.
    """
    report = ImportReport()
    for parsed in files:
        if progress:
            progress()
        if not parsed.ok:
            report.refused_files += 1
            report.errors.extend(parsed.errors)
            if strict:
                raise StrictImportAborted(parsed.errors[0].error)
            continue
        try:
            with db.session() as session:
                outcomes = []
                for profile in parsed.profiles:
                    municipality = municipality_for(session, profile)
                    outcomes.append(upsert_by_external_id(session, profile, municipality=municipality, note=note))
        except (SQLAlchemyError, ValueError) as exc:
            report.refused_files += 1
            report.errors.append(CorpusError(parsed.file, f"Speichern fehlgeschlagen: {exc}"))
            if strict:
                raise StrictImportAborted(str(exc)) from exc
            continue
        for outcome in outcomes:
            if outcome.created:
                report.created += 1
            elif outcome.changed:
                report.updated += 1
            else:
                report.unchanged += 1
            if outcome.changed:
                report.changed_ids.append(outcome.row.id)
    return report


def municipality_by_name(name: str, land: str | None) -> Callable[..., MunicipalityRow]:
    def resolve(session, profile) -> MunicipalityRow:
        return ensure_municipality(session, name, land or profile.land)

    return resolve
