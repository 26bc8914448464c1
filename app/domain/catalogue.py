"""The catalogue of administrative building blocks (Prozessbausteine).

Twenty kinds in five groups, as fixed by the contract. Each kind carries the
German label users see, a one-line German explanation, and the BPMN 2.0
element it becomes on export, so that every layer (dialogue, review, BPMN)
speaks about steps in the same vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StepKind = Literal[
    "receive", "send", "wait",
    "enter_data", "print", "scan",
    "create_document", "edit_document", "archive",
    "search", "coordinate_internal", "coordinate_external", "appointment",
    "check_formal", "check_content", "decide", "sign_off", "calculate", "payment", "other",
]

BpmnElement = Literal[
    "receiveTask", "sendTask", "intermediateCatchEvent", "userTask", "manualTask",
    "serviceTask", "businessRuleTask", "task",
]


@dataclass(frozen=True)
class BuildingBlock:
    kind: StepKind
    label: str
    group: str
    explanation: str
    bpmn_element: BpmnElement
    # Timer events need an event definition; tasks do not.
    bpmn_event_definition: str | None = None


GROUPS: tuple[str, ...] = (
    "Informationsfluss",
    "Medienwechsel",
    "Dokumentation",
    "Informationsbeschaffung und Koordination",
    "Inhaltliche Verwaltungsarbeit",
)

_BLOCKS: tuple[BuildingBlock, ...] = (
    BuildingBlock("receive", "Dokument/Information entgegennehmen", "Informationsfluss",
                  "Ein Antrag, Schreiben oder eine Information geht ein und wird angenommen.",
                  "receiveTask"),
    BuildingBlock("send", "Dokument/Information versenden", "Informationsfluss",
                  "Ein Bescheid, Schreiben oder eine Information wird an andere übermittelt.",
                  "sendTask"),
    BuildingBlock("wait", "Bearbeitungsunterbrechung/Warten", "Informationsfluss",
                  "Die Bearbeitung ruht, bis eine Frist abläuft oder eine Rückmeldung kommt.",
                  "intermediateCatchEvent", "timerEventDefinition"),
    BuildingBlock("enter_data", "Daten in IT-System erfassen", "Medienwechsel",
                  "Angaben werden in ein Fachverfahren oder eine Tabelle eingegeben.",
                  "userTask"),
    BuildingBlock("print", "Dokument drucken", "Medienwechsel",
                  "Ein elektronisches Dokument wird auf Papier ausgedruckt.",
                  "manualTask"),
    BuildingBlock("scan", "Dokument scannen/digitalisieren", "Medienwechsel",
                  "Ein Papierdokument wird eingescannt und elektronisch abgelegt.",
                  "manualTask"),
    BuildingBlock("create_document", "Dokument/Information erstellen", "Dokumentation",
                  "Ein neues Schreiben, ein Bescheid oder ein Vermerk wird angelegt.",
                  "userTask"),
    BuildingBlock("edit_document", "Dokument/Information bearbeiten", "Dokumentation",
                  "Ein vorhandenes Dokument wird ergänzt, korrigiert oder aktualisiert.",
                  "userTask"),
    BuildingBlock("archive", "Ablegen/Archivieren", "Dokumentation",
                  "Unterlagen werden in der Akte, im DMS oder im Archiv abgelegt.",
                  "manualTask"),
    BuildingBlock("search", "Information suchen/beschaffen", "Informationsbeschaffung und Koordination",
                  "Fehlende Angaben werden recherchiert, abgefragt oder angefordert.",
                  "userTask"),
    BuildingBlock("coordinate_internal", "Intern abstimmen", "Informationsbeschaffung und Koordination",
                  "Die Sache wird mit einer anderen Stelle der eigenen Verwaltung abgestimmt.",
                  "userTask"),
    BuildingBlock("coordinate_external", "Extern abstimmen/beteiligen", "Informationsbeschaffung und Koordination",
                  "Eine externe Behörde oder Stelle wird beteiligt oder um Stellungnahme gebeten.",
                  "sendTask"),
    BuildingBlock("appointment", "Termin/Gespräch durchführen", "Informationsbeschaffung und Koordination",
                  "Ein Termin, eine Vorsprache oder ein Gespräch findet statt.",
                  "manualTask"),
    BuildingBlock("check_formal", "Formell prüfen", "Inhaltliche Verwaltungsarbeit",
                  "Vollständigkeit, Zuständigkeit, Fristen und Form werden geprüft.",
                  "userTask"),
    BuildingBlock("check_content", "Inhaltlich prüfen", "Inhaltliche Verwaltungsarbeit",
                  "Die Voraussetzungen in der Sache werden geprüft und bewertet.",
                  "userTask"),
    BuildingBlock("decide", "Entscheiden", "Inhaltliche Verwaltungsarbeit",
                  "Über den Antrag oder das weitere Vorgehen wird entschieden.",
                  "businessRuleTask"),
    BuildingBlock("sign_off", "Mitzeichnen/Freigeben", "Inhaltliche Verwaltungsarbeit",
                  "Eine vorgesetzte oder andere Stelle zeichnet mit oder gibt frei.",
                  "userTask"),
    BuildingBlock("calculate", "Berechnen/Festsetzen", "Inhaltliche Verwaltungsarbeit",
                  "Gebühren, Beiträge, Steuern oder Leistungen werden berechnet und festgesetzt.",
                  "userTask"),
    BuildingBlock("payment", "Zahlung anordnen/buchen", "Inhaltliche Verwaltungsarbeit",
                  "Eine Zahlung wird angeordnet, gebucht oder überwacht.",
                  "userTask"),
    BuildingBlock("other", "Sonstige Tätigkeit", "Inhaltliche Verwaltungsarbeit",
                  "Eine Tätigkeit, die zu keinem anderen Baustein passt.",
                  "task"),
)

BUILDING_BLOCKS: dict[str, BuildingBlock] = {block.kind: block for block in _BLOCKS}
KINDS: tuple[str, ...] = tuple(BUILDING_BLOCKS)


def block(kind: str) -> BuildingBlock:
    """Return the building block for ``kind``; raises KeyError for unknown kinds."""
    return BUILDING_BLOCKS[kind]


def label(kind: str) -> str:
    return BUILDING_BLOCKS[kind].label


def kinds_in_group(group: str) -> list[str]:
    return [b.kind for b in _BLOCKS if b.group == group]
