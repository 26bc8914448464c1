"""Domain model of Prozesslotse: free of Flask and of storage.

Web, storage, retrieval and dialogue depend on this package, never the
reverse.
"""

from .catalogue import BUILDING_BLOCKS, GROUPS, KINDS, BuildingBlock, StepKind
from .errors import german_validation_errors
from .models import (
    LAENDER,
    SLOTS,
    Branch,
    Decision,
    InterviewMessage,
    Municipality,
    ProcessProfile,
    SearchResult,
    Step,
)

__all__ = [
    "BUILDING_BLOCKS", "GROUPS", "KINDS", "LAENDER", "SLOTS", "Branch", "BuildingBlock",
    "Decision", "InterviewMessage", "Municipality", "ProcessProfile", "SearchResult", "Step",
    "StepKind", "german_validation_errors",
]
