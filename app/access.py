"""Who may see which profile: tenancy is the municipality.

Published profiles with visibility ``netzwerk`` are readable by every
signed-in user; everything else only inside its own municipality.
"""

from __future__ import annotations

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from app.storage.models import ProfileRow, UserRow


def can_read_profile(user: UserRow, row: ProfileRow) -> bool:
    if row.municipality_id == user.municipality_id:
        return True
    return row.state == "published" and row.visibility == "netzwerk"


def can_see_work_item(user: UserRow, municipality_id: int, owner_id: int | None) -> bool:
    """Interviews and drafts: clerks see their own, modellers and admins all of their municipality."""
    return municipality_id == user.municipality_id and (user.role in ("modeller", "admin") or owner_id == user.id)


def readable_profiles(user: UserRow) -> ColumnElement[bool]:
    """The same rule as a SQL condition, for listings."""
    return or_(
        ProfileRow.municipality_id == user.municipality_id,
        and_(ProfileRow.state == "published", ProfileRow.visibility == "netzwerk"),
    )
