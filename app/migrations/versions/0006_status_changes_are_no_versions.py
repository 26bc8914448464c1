"""status changes are history events, not versions of the content

Until now every status change (submitted, approved, published …) wrote a profile version whose
snapshot differed from the version before only in ``state`` or ``visibility``. From now on a version
is a change of the content; status changes are audit events (the review workflow records one per
transition). This migrates the existing data without losing any of it:

- a version that changed only the status or visibility becomes a history event: the workflow's audit
  event for it is kept when there is one (same profile, same resulting status, within two minutes),
  otherwise an audit event ``profile.status`` with its time, author, before/after and note is written;
  its snapshot equals the version before plus the status, so nothing of it is lost;
- such a version row is then removed and the remaining versions are numbered 1, 2, … again in their
  order; ``process_profile.version`` is their count;
- per renumbered profile an audit event ``profile.versions_renumbered`` keeps the old numbers.

No schema change; the downgrade leaves the data as it is (older code reads it unchanged).

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-10 10:00:00
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STATUS_FIELDS = ("state", "visibility")
MATCH_WINDOW = timedelta(minutes=2)

versions = sa.table(
    "profile_version", sa.column("id", sa.Integer), sa.column("profile_id", sa.Integer),
    sa.column("version", sa.Integer), sa.column("content", JSONType), sa.column("author_id", sa.Integer),
    sa.column("note", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))
profiles = sa.table("process_profile", sa.column("id", sa.Integer), sa.column("version", sa.Integer))
audit = sa.table(
    "audit_event", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
    sa.column("user_id", sa.Integer), sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.String), sa.column("before", JSONType), sa.column("after", JSONType),
    sa.column("detail", sa.Text))


def _without_status(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in snapshot.items() if key not in STATUS_FIELDS}


def _status(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {key: snapshot.get(key) for key in STATUS_FIELDS}


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives times without a zone; they are stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _status_only(snapshot: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    return (previous is not None and _without_status(snapshot) == _without_status(previous)
            and _status(snapshot) != _status(previous))


def upgrade() -> None:
    bind = op.get_bind()
    candidates = bind.execute(sa.select(versions.c.profile_id).group_by(versions.c.profile_id)
                              .having(sa.func.count() > 1).order_by(versions.c.profile_id)).scalars().all()
    for profile_id in candidates:
        rows = bind.execute(sa.select(versions).where(versions.c.profile_id == profile_id)
                            .order_by(versions.c.version)).all()
        kept, status_rows, previous = [], [], None
        for row in rows:
            content = row.content or {}
            if _status_only(content, previous):
                status_rows.append((row, previous))
            else:
                kept.append(row)
            previous = content
        if not status_rows:
            continue
        events = bind.execute(sa.select(audit).where(
            audit.c.object_type == "profile", audit.c.object_id == str(profile_id),
            audit.c.action.like("profile.%")).order_by(audit.c.at, audit.c.id)).all()
        used: set[int] = set()
        for row, before in status_rows:
            state, at = (row.content or {}).get("state"), _utc(row.created_at)
            match = next((e for e in events if e.id not in used and (e.after or {}).get("state") == state
                          and at is not None and e.at is not None and abs(_utc(e.at) - at) <= MATCH_WINDOW), None)
            if match is not None:
                used.add(match.id)  # the workflow's own history event says the same
            else:
                bind.execute(audit.insert().values(
                    at=row.created_at, user_id=row.author_id, action="profile.status", object_type="profile",
                    object_id=str(profile_id), before=_status(before), after=_status(row.content or {}),
                    detail=row.note))
        bind.execute(versions.delete().where(versions.c.id.in_([row.id for row, _ in status_rows])))
        # Ascending, so every new (smaller or equal) number is free when it is taken.
        for number, row in enumerate(kept, start=1):
            if row.version != number:
                bind.execute(versions.update().where(versions.c.id == row.id).values(version=number))
        bind.execute(profiles.update().where(profiles.c.id == profile_id).values(version=len(kept)))
        bind.execute(audit.insert().values(
            at=datetime.now(timezone.utc), user_id=None, action="profile.versions_renumbered",
            object_type="profile", object_id=str(profile_id),
            before={"versions": [row.version for row in kept],
                    "status_changes": [row.version for row, _ in status_rows]},
            after={"versions": list(range(1, len(kept) + 1))},
            detail="Statuswechsel zählen nicht mehr als Versionen (Migration 0006)."))


def downgrade() -> None:
    # No schema change. The converted history stays: versions are content versions, which older code
    # reads unchanged; the status changes remain in the audit trail.
    pass
