"""Fit text that a machine produced into the model's length limits instead of failing on it.

The interviewer builds drafts from free text; a misread sentence can become
an actor or label longer than the profile allows. Such a draft must still be
stored and shown (and the clerk can correct it), so over-long strings are cut
to their limit with an ellipsis. Anything else that is invalid still fails.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def within_limits(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        if not errors or any(e["type"] != "string_too_long" for e in errors):
            raise
        for error in errors:
            _cut(data, list(error["loc"]), int(error["ctx"]["max_length"]))
        return model.model_validate(data)


def _cut(data: Any, path: list[Any], limit: int) -> None:
    *parents, last = path
    for key in parents:
        data = data[key]
    value = data[last]
    if isinstance(value, str) and len(value) > limit:
        data[last] = value[: max(0, limit - 1)].rstrip() + "…"
