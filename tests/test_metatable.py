"""The column-wise metadata table filters exactly like ``Filters.matches``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.filters import Filters
from retrieval.metatable import MetadataTable

NAMES = ["Beispielstadt", "Musterdorf", "Modellingen"]
LAENDER = ["Sachsen", "Bayern"]
STATES = ["published", "draft"]
VISIBILITY = ["netzwerk", "intern"]

metadata = st.fixed_dictionaries({
    "municipality": st.sampled_from(NAMES),
    "municipality_id": st.integers(1, 3),
    "land": st.sampled_from(LAENDER),
    "category": st.sampled_from(["Steuern", "Bauen", ""]),
    "state": st.sampled_from(STATES),
    "visibility": st.sampled_from(VISIBILITY),
    "has_steps": st.booleans(),
    "group": st.sampled_from(["hundesteuer", "bauantrag", "sperrmuell"]),
})
filters = st.builds(
    Filters,
    municipality=st.none() | st.sampled_from(NAMES + ["Unbekannt"]),
    land=st.none() | st.sampled_from(LAENDER),
    category=st.none() | st.sampled_from(["Steuern", "Bauen"]),
    state=st.none() | st.sampled_from(STATES),
    visibility=st.none() | st.sampled_from(VISIBILITY),
    has_steps=st.none() | st.booleans(),
    exclude_ids=st.sets(st.integers(0, 40), max_size=5),
    reader_municipality_id=st.none() | st.integers(1, 4),
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(metadata, max_size=40), chosen=filters)
def test_mask_agrees_with_filters_matches(rows, chosen):
    ids = [3 * i + 1 for i in range(len(rows))]
    table = MetadataTable(zip(ids, rows))
    expected = [chosen.matches(doc_id, row) for doc_id, row in zip(ids, rows)]
    assert table.mask(chosen).tolist() == expected


def test_groups_and_unknown_ids():
    table = MetadataTable([(2, {"group": "hundesteuer"}), (5, {"group": "bauantrag"})])
    assert table.group(5) == "bauantrag"
    assert table.group(4) == "4"  # not in the table: its own group
    assert table.row_of(2) == 0 and table.row_of(9) is None
    assert len(MetadataTable()) == 0 and MetadataTable().mask(Filters(state="published")).size == 0


def test_rows_must_come_in_id_order():
    with pytest.raises(ValueError):
        MetadataTable([(5, {}), (2, {})])


def test_strings_are_stored_once_per_distinct_value():
    rows = [(i, {"municipality": "Beispielstadt", "group": f"g{i % 3}"}) for i in range(1000)]
    table = MetadataTable(rows)
    assert table._columns["group"].labels == ["g0", "g1", "g2"]
    assert table._columns["municipality"].codes.dtype == np.int32
