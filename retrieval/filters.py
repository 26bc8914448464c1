"""Metadata filters, applied the same way to the vector store and the lexical index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Filters:
    municipality: str | None = None
    land: str | None = None
    category: str | None = None
    state: str | None = None
    visibility: str | None = None
    has_steps: bool | None = None
    exclude_ids: set[int] = field(default_factory=set)
    # Access: only documents shared with the network or owned by this municipality.
    reader_municipality_id: int | None = None

    def equalities(self) -> dict[str, Any]:
        pairs = {"municipality": self.municipality, "land": self.land, "category": self.category,
                 "state": self.state, "visibility": self.visibility, "has_steps": self.has_steps}
        return {k: v for k, v in pairs.items() if v is not None}

    @property
    def active(self) -> bool:
        return bool(self.equalities() or self.exclude_ids or self.reader_municipality_id is not None)

    def where(self) -> dict[str, Any] | None:
        """A chromadb ``where`` clause (exclusions are applied afterwards)."""
        conditions: list[dict[str, Any]] = [{k: v} for k, v in self.equalities().items()]
        if self.reader_municipality_id is not None:
            conditions.append({"$or": [{"visibility": "netzwerk"},
                                       {"municipality_id": self.reader_municipality_id}]})
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else {"$and": conditions}

    def matches(self, doc_id: int, metadata: dict[str, Any]) -> bool:
        if doc_id in self.exclude_ids:
            return False
        for key, value in self.equalities().items():
            if metadata.get(key) != value:
                return False
        if self.reader_municipality_id is not None:
            if metadata.get("visibility") != "netzwerk" and metadata.get("municipality_id") != self.reader_municipality_id:
                return False
        return True
