"""The review lifecycle of a profile and who may move it.

draft → in_review → (changes_requested → in_review)* → approved → published,
plus rejected and archived. Clerks submit; modellers review, publish and
archive. Everything else is refused with a German reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    action: str
    source: tuple[str, ...]
    target: str
    roles: tuple[str, ...]


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", ("draft", "changes_requested"), "in_review", ("clerk", "modeller", "admin")),
    Transition("approve", ("in_review",), "approved", ("modeller", "admin")),
    Transition("request_changes", ("in_review",), "changes_requested", ("modeller", "admin")),
    Transition("reject", ("in_review",), "rejected", ("modeller", "admin")),
    Transition("publish", ("approved",), "published", ("modeller", "admin")),
    Transition("archive", ("published", "approved", "rejected"), "archived", ("modeller", "admin")),
)
STATE_LABELS = {
    "draft": "Entwurf", "in_review": "in Prüfung", "changes_requested": "Änderungen erbeten",
    "approved": "freigegeben", "published": "veröffentlicht", "rejected": "abgelehnt", "archived": "archiviert",
}
EDITABLE_STATES = ("draft", "changes_requested", "in_review")


def state_after_edit(state: str, model_changed: bool) -> str:
    """An approved profile whose steps or decisions changed needs a second approval; wording alone does not."""
    if state == "approved" and model_changed:
        return "in_review"
    return state


class TransitionError(ValueError):
    """Not allowed; ``status`` says whether it is a conflict (409) or a permission problem (403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def next_state(state: str, action: str, role: str) -> str:
    transition = next((t for t in TRANSITIONS if t.action == action), None)
    if transition is None:
        raise TransitionError(f"Unbekannte Aktion „{action}“.", 400)
    if role not in transition.roles:
        raise TransitionError("Diese Aktion ist Ihrer Rolle nicht erlaubt.", 403)
    if state not in transition.source:
        allowed = " oder ".join(STATE_LABELS[s] for s in transition.source)
        raise TransitionError(f"Der Prozess ist {STATE_LABELS.get(state, state)}; diese Aktion ist nur möglich, "
                              f"wenn er {allowed} ist.", 409)
    return transition.target


def may_edit(state: str, role: str) -> bool:
    if state in ("approved", "published"):
        # Modellers polish an approved profile before publishing and correct what the network sees; every
        # correction is a version (a changed model goes back to review: ``state_after_edit``).
        return role in ("modeller", "admin")
    if state not in EDITABLE_STATES:
        return False
    return role in ("modeller", "admin") or state != "in_review"
