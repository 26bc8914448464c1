"""German wording of counts and labels, in one place so that pages, downloads
and the assistant never say "1 Schritte" or "In prüfung".

``counted(n, "step")`` picks singular or plural of a known noun;
``counted(n, "Treffer", "Treffer")`` works for any noun given both forms.
The same rules exist for the browser as ``PL.counted`` in ``app/static/common.js``.
"""

from __future__ import annotations

# Nouns the product counts: key -> (singular, plural).
NOUNS: dict[str, tuple[str, str]] = {
    "step": ("Schritt", "Schritte"),
    "decision": ("Entscheidung", "Entscheidungen"),
    "branch": ("Zweig", "Zweige"),
    "case": ("Fall", "Fälle"),
    "minute": ("Minute", "Minuten"),
    "comment": ("Kommentar", "Kommentare"),
    "open_comment": ("offener Kommentar", "offene Kommentare"),
    "lane": ("Zuständigkeitsbahn", "Zuständigkeitsbahnen"),
    "draft": ("Entwurf", "Entwürfe"),
    "user": ("Benutzer", "Benutzer"),
    "municipality": ("Kommune", "Kommunen"),
    "hit": ("Treffer", "Treffer"),
    "version": ("Version", "Versionen"),
    "profile": ("Prozesssteckbrief", "Prozesssteckbriefe"),
    "open_interview": ("offenes Interview", "offene Interviews"),
    "waiting_draft": ("Entwurf wartet", "Entwürfe warten"),
}


def noun(n: float, singular: str, plural: str | None = None) -> str:
    """The form of a noun that goes with ``n``; ``singular`` may be a key of ``NOUNS``."""
    if plural is None:
        singular, plural = NOUNS[singular]
    return singular if n == 1 else plural


def counted(n: float, singular: str, plural: str | None = None) -> str:
    """``n`` with its noun: "1 Schritt", "2 Schritte", "0 Schritte", "1,5 Minuten"."""
    number = f"{n:.12g}".replace(".", ",") if isinstance(n, float) else str(n)
    return f"{number} {noun(n, singular, plural)}"


def verb(n: float, singular: str, plural: str) -> str:
    """The verb form agreeing with ``n`` subjects: verb(1, "entspricht", "entsprechen")."""
    return singular if n == 1 else plural


def sentence_start(text: str | None) -> str:
    """Capitalise only the first letter ("in Prüfung" -> "In Prüfung"); ``str.capitalize``
    would lower-case the rest ("In prüfung")."""
    if not text:
        return ""
    return text[0].upper() + text[1:]
