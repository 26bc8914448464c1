"""Repository for process profiles: domain objects in, rows and versions out.

Every accepted save that changes the content (profile fields, steps,
decisions) writes a new immutable ``ProfileVersionRow``; saving identical
content is a no-op, which keeps corpus loads and re-imports idempotent. A
change of only the status or the visibility (submitted, approved, published
…) is no new version: it updates the row, and the review workflow records it
in the audit trail as a history event (``app/review.py``, ``transition``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import ProcessProfile

from .models import MunicipalityRow, ProfileRow, ProfileVersionRow

# Profile fields kept as columns; everything else lives in ``content``.
COLUMN_FIELDS = ("external_id", "process_key", "title", "category", "state", "visibility", "source")
_DERIVED_FIELDS = {"id", "municipality", "land"}
# Where the profile is in the review workflow: changing these alone makes no new version.
STATUS_FIELDS = ("state", "visibility")


@dataclass
class SaveResult:
    row: ProfileRow
    created: bool
    changed: bool
    versioned: bool = False  # a new version was written (the content changed)


def get_municipality(session: Session, name: str) -> MunicipalityRow | None:
    return session.scalar(select(MunicipalityRow).where(MunicipalityRow.name == name))


def ensure_municipality(session: Session, name: str, land: str | None = None, **fields: Any) -> MunicipalityRow:
    """Return the municipality called ``name``, creating it if needed; fills empty fields."""
    row = get_municipality(session, name)
    if row is None:
        row = MunicipalityRow(name=name, land=land, **fields)
        session.add(row)
        session.flush()
        return row
    if land and not row.land:
        row.land = land
    for key, value in fields.items():
        if value is not None and getattr(row, key) != value:
            setattr(row, key, value)
    return row


def to_domain(row: ProfileRow) -> ProcessProfile:
    data = dict(row.content or {})
    for field in COLUMN_FIELDS:
        data[field] = getattr(row, field)
    data["id"] = row.id
    data["municipality"] = row.municipality.name if row.municipality else None
    data["land"] = row.municipality.land if row.municipality else None
    return ProcessProfile.model_validate(data)


def _content(profile: ProcessProfile) -> dict[str, Any]:
    return profile.model_dump(mode="json", exclude=_DERIVED_FIELDS | set(COLUMN_FIELDS))


def _snapshot(row: ProfileRow) -> dict[str, Any]:
    return to_domain(row).model_dump(mode="json")


def save_profile(
    session: Session,
    profile: ProcessProfile,
    *,
    municipality: MunicipalityRow,
    row: ProfileRow | None = None,
    author_id: int | None = None,
    note: str | None = None,
) -> SaveResult:
    """Create or update ``row`` from ``profile``; writes a version when the content changed.

    A change of only the status or visibility updates the row without a new version."""
    created = row is None
    if row is None:
        row = ProfileRow(municipality=municipality, content={}, version=0, created_by_id=author_id)
        session.add(row)
    content = _content(profile)
    columns = {field: getattr(profile, field) for field in COLUMN_FIELDS}
    same_content = (
        not created
        and row.municipality_id == municipality.id
        and row.content == content
        and all(getattr(row, field) == value for field, value in columns.items() if field not in STATUS_FIELDS)
    )
    if same_content and all(getattr(row, field) == columns[field] for field in STATUS_FIELDS):
        return SaveResult(row, created=False, changed=False)
    for field, value in columns.items():
        setattr(row, field, value)
    if same_content:  # a status change: a history event of the workflow, not a version of the content
        session.flush()
        return SaveResult(row, created=False, changed=True)
    row.municipality = municipality
    row.content = content
    row.step_count = len(profile.steps)
    row.version = (row.version or 0) + 1
    session.flush()
    session.add(ProfileVersionRow(profile_id=row.id, version=row.version, content=_snapshot(row),
                                  author_id=author_id, note=note))
    session.flush()
    return SaveResult(row, created=created, changed=True, versioned=True)


def find_by_external_id(session: Session, municipality: MunicipalityRow, external_id: str) -> ProfileRow | None:
    return session.scalar(
        select(ProfileRow).where(ProfileRow.municipality_id == municipality.id, ProfileRow.external_id == external_id)
    )


def upsert_by_external_id(
    session: Session, profile: ProcessProfile, *, municipality: MunicipalityRow, note: str | None = None
) -> SaveResult:
    """Import semantics: the same external id in the same municipality updates instead of duplicating."""
    if not profile.external_id:
        raise ValueError("An imported profile needs an external_id.")
    row = find_by_external_id(session, municipality, profile.external_id)
    return save_profile(session, profile, municipality=municipality, row=row, note=note)
