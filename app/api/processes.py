"""Read access to process profiles."""

from __future__ import annotations

from app.access import can_read_profile
from app.auth.identity import login_required
from app.context import current_user, db_session
from app.problems import problem
from app.storage.models import ProfileRow
from app.storage.profiles import to_domain

from . import bp


def load_readable_profile(profile_id: int) -> ProfileRow:
    """The profile if the current user may read it; 404 otherwise (existence is not revealed)."""
    row = db_session().get(ProfileRow, profile_id)
    user = current_user()
    if row is None or user is None or not can_read_profile(user, row):
        raise problem(404, f"Einen Prozess mit der Nummer {profile_id} gibt es nicht oder er ist für Sie nicht sichtbar.")
    return row


@bp.get("/processes/<int:profile_id>")
@login_required
def get_process(profile_id: int):
    from .drafts import profile_body

    return profile_body(load_readable_profile(profile_id))


@bp.get("/processes/<int:profile_id>/compare/<int:other_id>")
@login_required
def compare(profile_id: int, other_id: int):
    """Two step lists aligned side by side, with their figures."""
    from app.domain.comparison import compare_profiles

    from .drafts import profile_body

    left_row, right_row = load_readable_profile(profile_id), load_readable_profile(other_id)
    left, right = profile_body(left_row), profile_body(right_row)
    summary = lambda body: {k: body[k] for k in ("id", "title", "municipality", "land", "state", "figures")}  # noqa: E731
    return {"left": summary(left), "right": summary(right),
            "steps": compare_profiles(to_domain(left_row), to_domain(right_row))}
