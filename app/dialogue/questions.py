"""What the assistant asks for each slot, in German, and in which order."""

from __future__ import annotations

QUESTIONS: dict[str, str] = {
    "title": "Wie nennen Sie diesen Ablauf in Ihrer Verwaltung? Ein kurzer Name genügt, z. B. „Hundesteuer anmelden“.",
    "trigger": "Was löst den Vorgang aus? Zum Beispiel ein Antrag, eine Meldung oder ein Termin.",
    "steps": "Beschreiben Sie bitte die Arbeitsschritte der Reihe nach, gern mit „Zuerst …“, „Dann …“, "
             "„Zum Schluss …“ oder als nummerierte Liste.",
    "decisions": "Gibt es Stellen, an denen entschieden wird, wie es weitergeht? Nennen Sie bitte den Schritt, "
                 "die Frage und wohin es jeweils weitergeht, z. B. „Nach Schritt 2: Sind die Unterlagen "
                 "vollständig? Wenn ja, weiter mit Schritt 4, wenn nein mit Schritt 3.“",
    "org_unit": "Welche Organisationseinheit ist für den Vorgang zuständig?",
    "participants": "Wer ist außer Ihnen noch beteiligt, z. B. Kasse, andere Ämter oder externe Stellen?",
    "it_systems": "Mit welchen Programmen oder Fachverfahren arbeiten Sie dabei?",
    "documents": "Welche Formulare, Bescheide oder Unterlagen kommen vor?",
    "case_volume": "Wie viele Fälle haben Sie ungefähr im Jahr?",
    "processing_time": "Wie lange arbeiten Sie ungefähr an einem Fall, reine Bearbeitungszeit?",
    "legal_basis": "Auf welcher Rechtsgrundlage beruht der Vorgang, z. B. ein Paragraf oder eine Satzung?",
    "result": "Was liegt am Ende vor, wenn der Vorgang abgeschlossen ist?",
    "customer": "Für wen erledigen Sie den Vorgang, wer ist der Kunde?",
    "waiting": "Gibt es Wartezeiten oder Fristen, auf die Sie warten müssen?",
    "exceptions": "Gibt es Sonderfälle oder Ausnahmen, die anders laufen?",
}

# The order in which open slots are asked after the opening.
ORDER: tuple[str, ...] = (
    "title", "trigger", "steps", "decisions", "org_unit", "participants", "it_systems", "documents",
    "case_volume", "processing_time", "legal_basis", "result", "customer", "waiting", "exceptions",
)

LABELS: dict[str, str] = {
    "title": "Name des Ablaufs", "trigger": "Auslöser", "steps": "Arbeitsschritte", "decisions": "Entscheidungen",
    "org_unit": "Zuständige Stelle", "participants": "Beteiligte", "it_systems": "IT-Systeme",
    "documents": "Dokumente", "case_volume": "Fallzahl", "processing_time": "Bearbeitungszeit",
    "legal_basis": "Rechtsgrundlage", "result": "Ergebnis", "customer": "Kunde", "waiting": "Wartezeiten",
    "exceptions": "Sonderfälle",
}
