"""Names of municipal software, organisational units and roles.

The static lists cover common products and unit names; the dialogue adds
every IT system already documented in the corpus, so the gazetteer grows
with the network.
"""

from __future__ import annotations

import re
from typing import Iterable

SOFTWARE = (
    "OK.EWO", "OK.VORPOS", "OK.FIS", "OK.GEWERBE", "OK.KOMM", "VOIS|MESO", "VOIS|GEWAN", "VOIS", "MESO",
    "AutiSta", "H&H proDoppik", "proDoppik", "Infoma newsystem", "Infoma", "newsystem", "SAP", "CIP kommunal",
    "KIRP", "MACH", "Axians", "enaio", "DMS enaio", "d.velop d.3", "d.3", "d.velop", "VIS-Suite", "regisafe",
    "SessionNet", "ALLRIS", "Session", "Mandatos", "LOGA", "P&I LOGA", "SAP HCM", "Kidicap", "Little Bird",
    "KitaPlus", "Kita-Portal", "ProBauG", "OK.BAU", "prosoz", "PROSOZ", "OPEN/PROSOZ", "LämmerzahlWin",
    "winOWiG", "OWi21", "OK.OWI", "ADVIS", "LaDiVA", "QGIS", "ArcGIS", "GIS", "ALKIS", "XRechnung", "ZRE",
    "OZG-RE", "Excel", "Word", "Outlook", "Teams", "E-Mail", "Access", "LibreOffice", "Friedhofsverwaltung",
    "ServiceNow", "OTRS", "Znuny", "Jira", "Maerker", "Formular-Server", "Formularserver", "Serviceportal",
    "BundID", "E-Akte", "DMS", "Fachverfahren", "PointID", "ISGUS ZEUS", "votemanager", "KoSIT-Viewer",
    "TeamViewer", "Mängelmelder", "Wohngeld-Fachverfahren", "Webex", "Zoom", "Moodle", "Nolis", "OK.JUS",
    "Kommune365", "civento", "Formcycle", "ekom21", "DATEV", "Lecos", "Dataport", "AKDB", "Komm.ONE",
)
# Unknown products named by a cue word: "im Programm Zeitwerk", "mit dem Fachverfahren Sozius".
_CUED = re.compile(r"\b(?:Programm|Software|System|Tool|Fachverfahren|Portal|App)\s+(?P<name>[A-Z][\w.&\-]{2,40})")
_GENERIC = {"E-Mail", "E-Akte", "DMS", "Fachverfahren", "GIS", "Serviceportal"}

UNIT_SUFFIXES = ("sekretariat", "amt", "stelle", "büro", "abteilung", "bereich", "dienst", "kasse", "verwaltung", "referat",
                 "fachdienst", "fachbereich", "sachgebiet", "team", "leitung", "kämmerei", "hof", "ausschuss")
ROLES = (
    "Kasse", "Stadtkasse", "Gemeindekasse", "Amtskasse", "Kämmerei", "Stadtkämmerei", "Bürgermeister",
    "Bürgermeisterin", "Oberbürgermeister", "Erste Bürgermeister", "Amtsleitung", "Amtsleiter", "Amtsleiterin",
    "Fachbereichsleitung", "Abteilungsleitung", "Sachgebietsleitung", "Teamleitung", "Vorgesetzte", "Vorgesetzter",
    "Personalrat", "Gleichstellungsbeauftragte", "Datenschutzbeauftragte", "Poststelle", "Bauhof", "Ordnungsdienst",
    "Friedhofswärter", "Friedhofsgärtner", "Hausmeister", "Kommandant", "IT", "IT-Abteilung", "IT-Service",
    "Landkreis", "Landratsamt", "Finanzamt", "Jobcenter", "Polizei", "Schule", "Schulleitung", "Kita-Leitung",
    "Steinmetz", "Antragsteller", "Antragstellerin", "Bürgerbüro", "Standesamt", "Ordnungsamt", "Bauamt",
    "Hauptamt", "Steueramt", "Sozialamt", "Jugendamt", "Personalamt", "Personalabteilung", "Rechnungsprüfung",
    "Kreiskasse", "Wahlamt", "Ratsbüro", "Sekretariat", "Vorzimmer", "Beschaffungsstelle", "Vergabestelle",
    "Stellvertreter", "Stellvertreterin", "Kassenleiter", "Kassenleiterin", "Fachbereichsleiter",
    "Fachbereichsleiterin", "Verkehrssicherung", "Kämmerer", "Kämmerin", "Hauptamtsleiter", "Hauptamtsleiterin",
)


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.])" + re.escape(name) + r"(?![\w])", re.IGNORECASE if name.isupper() is False else 0)


class Gazetteer:
    def __init__(self, software: Iterable[str] = ()) -> None:
        names = {n.strip() for n in (*SOFTWARE, *software) if n and 2 <= len(n.strip()) <= 60}
        # Longest first, so "H&H proDoppik" wins over "proDoppik".
        self.software = sorted(names, key=len, reverse=True)
        self._patterns = [(n, _pattern(n)) for n in self.software]

    def systems(self, text: str) -> list[str]:
        """Software named in ``text``, most specific names, in order of appearance."""
        hits = self.spans(text)
        out: list[str] = []
        for _, _, name in hits:
            if name not in out:
                out.append(name)
        specific = [n for n in out if n not in _GENERIC]
        return specific or out

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        hits: list[tuple[int, int, str]] = []
        for name, pattern in self._patterns:
            for match in pattern.finditer(text):
                if any(s <= match.start() < e or s < match.end() <= e for s, e, _ in hits):
                    continue
                hits.append((match.start(), match.end(), name))
        for match in _CUED.finditer(text):
            start, end = match.span("name")
            if not any(s <= start < e or s < end <= e for s, e, _ in hits):
                hits.append((start, end, match.group("name").rstrip(".")))
        return sorted(hits)


def is_generic_system(name: str) -> bool:
    return name in _GENERIC


def looks_like_actor(word: str) -> bool:
    lowered = word.lower()
    if word in ROLES or any(word.endswith(ending) and word[:-len(ending)] in ROLES for ending in ("n", "en", "s")):
        # "dem Vorgesetzten", "des Bürgermeisters"
        return True
    return any(lowered.endswith(suffix) for suffix in UNIT_SUFFIXES) and len(word) > 4


def role_name(word: str) -> str:
    """The listed form of an inflected role ("Vorgesetzten" → "Vorgesetzte"), else the word."""
    if word in ROLES:
        return word
    return next((word[:-len(e)] for e in ("n", "en", "s") if word.endswith(e) and word[:-len(e)] in ROLES), word)
