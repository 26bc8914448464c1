"""The filter and grouping fields of every indexed profile, held column-wise.

A search worker needs these fields for every document (filters, grouping),
but not titles or ids of other systems: those are read from the doc store
for the few hits a query returns. As dictionaries, 100,000 profiles took
about 200 MB of a worker's memory; as coded numpy columns they take a few
MB, and a filter becomes one vectorised comparison per field.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .filters import Filters

# Metadata keys kept as coded string columns; the rest stays in the doc store.
CODED = ("municipality", "land", "category", "state", "visibility", "group")


class _Column:
    """A string column as int32 codes into a list of distinct values."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._positions: dict[str, int] = {}
        self._codes: list[int] = []
        self.codes = np.zeros(0, dtype=np.int32)

    def append(self, value: str) -> None:
        code = self._positions.get(value)
        if code is None:
            code = self._positions[value] = len(self.labels)
            self.labels.append(value)
        self._codes.append(code)

    def freeze(self) -> None:
        self.codes = np.asarray(self._codes, dtype=np.int32)
        self._codes = []

    def equals(self, value: Any) -> np.ndarray:
        code = self._positions.get(value) if isinstance(value, str) else None
        if code is None:
            return np.zeros(len(self.codes), dtype=bool)
        return self.codes == code

    def label(self, row: int) -> str:
        return self.labels[int(self.codes[row])]

    @classmethod
    def frozen(cls, labels: list[str], codes: np.ndarray) -> "_Column":
        """A column from its labels and codes (e.g. memory-mapped from a file)."""
        column = cls()
        column.labels = list(labels)
        column._positions = {label: code for code, label in enumerate(column.labels)}
        column.codes = codes
        return column


class MetadataTable:
    def __init__(self, rows: Iterable[tuple[int, dict[str, Any]]] = ()) -> None:
        """``rows``: ``(id, metadata)`` in increasing id order (consumed once)."""
        self._columns = {key: _Column() for key in CODED}
        ids: list[int] = []
        municipality_ids: list[int] = []
        has_steps: list[bool] = []
        for doc_id, metadata in rows:
            if ids and doc_id <= ids[-1]:
                raise ValueError("ids must be strictly increasing")
            ids.append(int(doc_id))
            for key, column in self._columns.items():
                column.append(str(metadata.get(key) or ""))
            municipality_ids.append(int(metadata.get("municipality_id") or 0))
            has_steps.append(bool(metadata.get("has_steps")))
        for column in self._columns.values():
            column.freeze()
        self.ids = np.asarray(ids, dtype=np.int64)
        self.municipality_id = np.asarray(municipality_ids, dtype=np.int64)
        self.has_steps = np.asarray(has_steps, dtype=bool)

    def __len__(self) -> int:
        return int(len(self.ids))

    def arrays(self) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
        """The columns as arrays plus the labels of the coded ones (to write them to files)."""
        arrays = {"ids": self.ids, "municipality_id": self.municipality_id, "has_steps": self.has_steps}
        arrays.update({f"code_{key}": column.codes for key, column in self._columns.items()})
        return arrays, {key: column.labels for key, column in self._columns.items()}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], labels: dict[str, list[str]]) -> "MetadataTable":
        """The inverse of ``arrays``; the arrays are used as they are (no copy of a mapped file)."""
        table = cls()
        table._columns = {key: _Column.frozen(labels[key], arrays[f"code_{key}"]) for key in CODED}
        table.ids = arrays["ids"]
        table.municipality_id = arrays["municipality_id"]
        table.has_steps = arrays["has_steps"]
        return table

    def row_of(self, doc_id: int) -> int | None:
        row = int(np.searchsorted(self.ids, doc_id))
        if row < len(self.ids) and self.ids[row] == doc_id:
            return row
        return None

    def group(self, doc_id: int) -> str:
        row = self.row_of(doc_id)
        return self._columns["group"].label(row) if row is not None else str(doc_id)

    def mask(self, filters: Filters) -> np.ndarray:
        """Rows that pass ``filters`` (the same rule as ``Filters.matches``)."""
        keep = np.ones(len(self.ids), dtype=bool)
        for key, value in filters.equalities().items():
            if key == "has_steps":
                keep &= self.has_steps == bool(value)
            else:
                keep &= self._columns[key].equals(value)
        if filters.reader_municipality_id is not None:
            keep &= self._columns["visibility"].equals("netzwerk") | (
                self.municipality_id == filters.reader_municipality_id)
        if filters.exclude_ids:
            keep &= ~np.isin(self.ids, np.fromiter(filters.exclude_ids, dtype=np.int64))
        return keep
