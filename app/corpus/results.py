"""Result types shared by all catalogue readers.

Readers never write to storage: they return one ``ParsedFile`` per source
file so that the caller can store each file in its own transaction and
report broken files without losing the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain import ProcessProfile


@dataclass
class CorpusError:
    file: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "error": self.error}


@dataclass
class ParsedFile:
    """What one source file yielded: its profiles, or the errors that refuse it."""

    file: str
    profiles: list[ProcessProfile] = field(default_factory=list)
    errors: list[CorpusError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
