"""Who may see which profile: one rule for every route (API, pages, exports, listings).

- Published profiles: inside their municipality; with visibility
  ``netzwerk`` by every signed-in user.
- Anything not published is work in progress: clerks see only what they
  created, modellers and admins everything of their municipality; nobody
  outside it. ``/api/processes/<id>`` and ``/api/drafts/<id>`` agree.
"""

from __future__ import annotations

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from app.storage.models import ProfileRow, UserRow


REVIEWER_ROLES = ("modeller", "admin")


def can_read_profile(user: UserRow, row: ProfileRow) -> bool:
    if row.state == "published":
        return row.municipality_id == user.municipality_id or row.visibility == "netzwerk"
    return can_see_work_item(user, row.municipality_id, row.created_by_id)


def can_see_work_item(user: UserRow, municipality_id: int, owner_id: int | None) -> bool:
    """Interviews and drafts: clerks see their own, modellers and admins all of their municipality."""
    return municipality_id == user.municipality_id and (user.role in REVIEWER_ROLES or owner_id == user.id)


def readable_profiles(user: UserRow) -> ColumnElement[bool]:
    """The same rule as a SQL condition, for listings."""
    own = ProfileRow.municipality_id == user.municipality_id
    published = ProfileRow.state == "published"
    work = own if user.role in REVIEWER_ROLES else and_(own, ProfileRow.created_by_id == user.id)
    return or_(and_(published, or_(own, ProfileRow.visibility == "netzwerk")), and_(~published, work))
