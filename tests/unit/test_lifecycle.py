"""Every allowed and forbidden transition of the review lifecycle."""

from __future__ import annotations

import itertools

import pytest

from app.domain.lifecycle import STATE_LABELS, TRANSITIONS, TransitionError, may_edit, next_state, state_after_edit

ALLOWED = {
    ("draft", "submit"): "in_review",
    ("changes_requested", "submit"): "in_review",
    ("in_review", "approve"): "approved",
    ("in_review", "request_changes"): "changes_requested",
    ("in_review", "reject"): "rejected",
    ("approved", "publish"): "published",
    ("published", "archive"): "archived",
    ("approved", "archive"): "archived",
    ("rejected", "archive"): "archived",
}
ACTIONS = sorted({t.action for t in TRANSITIONS})
MODELLER_ONLY = {"approve", "request_changes", "reject", "publish", "archive"}


@pytest.mark.parametrize("state, action, role", list(itertools.product(STATE_LABELS, ACTIONS,
                                                                         ("clerk", "modeller", "admin"))))
def test_transition_table(state, action, role):
    if role == "clerk" and action in MODELLER_ONLY:
        with pytest.raises(TransitionError) as info:
            next_state(state, action, role)
        assert info.value.status == 403
    elif (state, action) in ALLOWED:
        assert next_state(state, action, role) == ALLOWED[(state, action)]
    else:
        with pytest.raises(TransitionError) as info:
            next_state(state, action, role)
        assert info.value.status == 409 and "nur möglich" in str(info.value)


def test_unknown_action():
    with pytest.raises(TransitionError) as info:
        next_state("draft", "zaubern", "admin")
    assert info.value.status == 400


@pytest.mark.parametrize("state, role, expected", [
    ("draft", "clerk", True), ("changes_requested", "clerk", True), ("in_review", "clerk", False),
    ("in_review", "modeller", True), ("approved", "modeller", True), ("approved", "clerk", False), ("published", "admin", True), ("published", "modeller", True),
    ("published", "clerk", False), ("archived", "admin", False),
])
def test_who_may_edit(state, role, expected):
    assert may_edit(state, role) is expected


@pytest.mark.parametrize("state, changed, expected", [
    ("approved", True, "in_review"), ("approved", False, "approved"), ("published", True, "published"),
    ("in_review", True, "in_review"), ("draft", True, "draft"),
])
def test_state_after_edit(state, changed, expected):
    assert state_after_edit(state, changed) == expected
