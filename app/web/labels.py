"""German labels the pages show for states, roles, fields and building blocks."""

from __future__ import annotations

from app.dialogue.questions import ORDER as SLOT_ORDER
from app.domain import BUILDING_BLOCKS, GROUPS
from app.domain.lifecycle import STATE_LABELS

ROLE_LABELS = {"clerk": "Sachbearbeitung", "modeller": "Prozessmodellierung", "admin": "Administration"}
INTERVIEW_STATUS = {"open": "offen", "finished": "abgeschlossen"}
VISIBILITY_LABELS = {"intern": "nur intern", "netzwerk": "im Netzwerk"}

# Profile fields in the order the pages show them.
FIELD_LABELS = {
    "title": "Titel",
    "category": "Kategorie",
    "leika_key": "LeiKa-Schlüssel",
    "description": "Beschreibung",
    "trigger": "Auslöser",
    "result": "Ergebnis",
    "customer": "Kunde",
    "org_unit": "Zuständige Stelle",
    "participants": "Beteiligte",
    "legal_basis": "Rechtsgrundlagen",
    "it_systems": "IT-Systeme",
    "documents": "Dokumente",
    "case_volume_per_year": "Fälle pro Jahr",
    "minutes_per_case": "Minuten pro Fall",
    "waiting": "Wartezeiten und Fristen",
    "exceptions": "Sonderfälle",
    "state": "Status",
    "visibility": "Sichtbarkeit",
}
LIST_FIELDS = ("participants", "legal_basis", "it_systems", "documents")
STEP_FIELD_LABELS = {"label": "Bezeichnung", "kind": "Baustein", "actor": "Zuständig", "it_system": "IT-System",
                     "media_break": "Medienbruch", "minutes": "Minuten"}

# Messages after an action on a draft page (``?erledigt=…``).
DONE_MESSAGES = {
    "submit": "Der Entwurf ist zur Prüfung gegeben.",
    "approve": "Der Entwurf ist freigegeben. Sie können ihn jetzt veröffentlichen.",
    "request_changes": "Die Änderungswünsche sind an die Sachbearbeitung gegangen.",
    "reject": "Der Entwurf ist abgelehnt.",
    "publish": "Der Prozess ist veröffentlicht.",
    "archive": "Der Prozess ist archiviert.",
    "reopened": "Gespeichert. Weil sich Schritte oder Entscheidungen nach der Freigabe geändert haben, liegt der "
                "Prozess wieder zur Prüfung vor und muss erneut freigegeben werden.",
}


def state_label(state: str | None) -> str:
    return STATE_LABELS.get(state or "", state or "–")


def role_label(role: str | None) -> str:
    return ROLE_LABELS.get(role or "", role or "–")


def kind_label(kind: str | None) -> str:
    block = BUILDING_BLOCKS.get(kind or "")
    return block.label if block else (kind or "–")


def kind_group(kind: str | None) -> str:
    block = BUILDING_BLOCKS.get(kind or "")
    return block.group if block else ""


def kinds_by_group() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(group, [(b.kind, b.label) for b in BUILDING_BLOCKS.values() if b.group == group]) for group in GROUPS]


def slot_total() -> int:
    return len(SLOT_ORDER)

