"""Pydantic models of the domain: municipalities, process profiles, steps,
decisions and interview messages.

Field names follow the external contract exactly. The models carry the rules
that make a profile consistent (numbered steps, decisions pointing to
existing steps) so that every entry point (corpus files, importers, API,
interview) validates the same way.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .catalogue import StepKind

Land = Literal[
    "Baden-Württemberg", "Bayern", "Berlin", "Brandenburg", "Bremen", "Hamburg", "Hessen",
    "Mecklenburg-Vorpommern", "Niedersachsen", "Nordrhein-Westfalen", "Rheinland-Pfalz",
    "Saarland", "Sachsen", "Sachsen-Anhalt", "Schleswig-Holstein", "Thüringen",
]
LAENDER: tuple[str, ...] = Land.__args__  # type: ignore[attr-defined]

ProfileState = Literal[
    "draft", "in_review", "changes_requested", "approved", "published", "rejected", "archived",
]
Visibility = Literal["intern", "netzwerk"]
Role = Literal["clerk", "modeller", "admin"]

SLOTS: tuple[str, ...] = (
    "title", "trigger", "result", "customer", "org_unit", "participants", "steps", "decisions",
    "it_systems", "documents", "case_volume", "processing_time", "legal_basis", "waiting",
    "exceptions", "confirm_template", "compare_template", "confirm",
)
Slot = Literal[
    "title", "trigger", "result", "customer", "org_unit", "participants", "steps", "decisions",
    "it_systems", "documents", "case_volume", "processing_time", "legal_basis", "waiting",
    "exceptions", "confirm_template", "compare_template", "confirm",
]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)

# Control characters (other than tab and line breaks), DEL, C1 controls, lone surrogates and XML
# non-characters: invisible, and they make XML (SVG, BPMN) malformed. Removed on input, everywhere.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    return _UNPRINTABLE.sub("", value)


def _clean(value: object) -> object:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_text(v) if isinstance(v, str) else v for v in value]
    return value


class _Clean(BaseModel):
    """Every text field of the domain is stripped of unprintable characters before validation."""

    model_config = _STRICT

    @field_validator("*", mode="before")
    @classmethod
    def _printable(cls, value: object) -> object:
        return _clean(value)


# Length limits for every list entry, not only for the list.
Entry = Annotated[str, StringConstraints(max_length=300)]
LongEntry = Annotated[str, StringConstraints(max_length=500)]


class Municipality(_Clean):
    model_config = _STRICT

    name: str = Field(min_length=1, max_length=200)
    land: Land
    ags: str | None = Field(default=None, pattern=r"^\d{8}$")
    ags_fictional: bool = False
    population: int | None = Field(default=None, ge=0)
    hourly_rate_eur: float | None = Field(default=None, ge=0)


class Step(_Clean):
    model_config = _STRICT

    n: int = Field(ge=1)
    label: str = Field(min_length=1, max_length=300)
    kind: StepKind = "other"
    actor: str | None = Field(default=None, max_length=200)
    it_system: str | None = Field(default=None, max_length=200)
    media_break: bool = False
    minutes: float | None = Field(default=None, ge=0, le=100_000)
    description: str | None = Field(default=None, max_length=4000)
    # Where the flow continues after this step when it is not simply the next
    # step, e.g. the end of an approval path jumping over the rejection path.
    next_step: int | None = Field(default=None, ge=1)


class Branch(_Clean):
    model_config = _STRICT

    condition: str = Field(min_length=1, max_length=300)
    # None ends the process on this branch.
    goto_step: int | None = Field(default=None, ge=1)


class Decision(_Clean):
    model_config = _STRICT

    after_step: int = Field(ge=1)
    question: str = Field(min_length=1, max_length=300)
    branches: list[Branch] = Field(min_length=2, max_length=10)


def _clean_list(values: list[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


class ProcessProfile(_Clean):
    """A Prozesssteckbrief, optionally with a detailed model (steps, decisions)."""

    model_config = _STRICT

    id: int | None = None
    external_id: str | None = Field(default=None, max_length=200)
    process_key: str | None = Field(default=None, max_length=200)
    title: str = Field(min_length=1, max_length=300)
    municipality: str | None = Field(default=None, max_length=200)
    land: Land | None = None
    category: str | None = Field(default=None, max_length=200)
    state: ProfileState = "draft"
    visibility: Visibility = "intern"
    leika_key: str | None = Field(default=None, pattern=r"^\d{14}$")
    ozg_id: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=8000)
    trigger: str | None = Field(default=None, max_length=2000)
    result: str | None = Field(default=None, max_length=2000)
    customer: str | None = Field(default=None, max_length=500)
    org_unit: str | None = Field(default=None, max_length=300)
    participants: list[Entry] = Field(default_factory=list, max_length=50)
    legal_basis: list[LongEntry] = Field(default_factory=list, max_length=50)
    it_systems: list[Entry] = Field(default_factory=list, max_length=50)
    documents: list[Entry] = Field(default_factory=list, max_length=100)
    case_volume_per_year: int | None = Field(default=None, ge=0, le=100_000_000)
    minutes_per_case: float | None = Field(default=None, ge=0, le=100_000)
    waiting: str | None = Field(default=None, max_length=2000)
    exceptions: str | None = Field(default=None, max_length=2000)
    source: str | None = Field(default=None, max_length=500)
    steps: list[Step] = Field(default_factory=list, max_length=200)
    decisions: list[Decision] = Field(default_factory=list, max_length=100)

    @field_validator("participants", "legal_basis", "it_systems", "documents")
    @classmethod
    def _strip_and_dedupe(cls, values: list[str]) -> list[str]:
        return _clean_list(values)

    @field_validator("leika_key", "ozg_id", "external_id", "category", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _check_flow(self) -> "ProcessProfile":
        numbers = [step.n for step in self.steps]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("Die Schritte müssen lückenlos ab 1 nummeriert sein.")
        existing = set(numbers)
        for step in self.steps:
            if step.next_step is not None and step.next_step not in existing:
                raise ValueError(
                    f"Schritt {step.n} verweist auf den nicht vorhandenen Schritt {step.next_step}."
                )
        seen_after: set[int] = set()
        for decision in self.decisions:
            if decision.after_step not in existing:
                raise ValueError(
                    f"Die Entscheidung „{decision.question}“ steht nach Schritt "
                    f"{decision.after_step}, den es nicht gibt."
                )
            if decision.after_step in seen_after:
                raise ValueError(f"Nach Schritt {decision.after_step} steht mehr als eine Entscheidung.")
            seen_after.add(decision.after_step)
            for branch in decision.branches:
                if branch.goto_step is not None and branch.goto_step not in existing:
                    raise ValueError(
                        f"Der Zweig „{branch.condition}“ der Entscheidung „{decision.question}“ "
                        f"verweist auf den nicht vorhandenen Schritt {branch.goto_step}."
                    )
        return self

    @property
    def has_steps(self) -> bool:
        return bool(self.steps)


class SearchResult(BaseModel):
    id: int
    external_id: str | None = None
    title: str
    municipality: str | None = None
    land: str | None = None
    score: float
    snippet: str = ""


class InterviewMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["assistant", "clerk"]
    text: str
    slot: Slot | None = None
    suggestions: list[SearchResult] = Field(default_factory=list)
