"""Legal references in German text: "§ 14 GewO", "Art. 19 LStVG", "nach der Hundesteuersatzung"."""

from __future__ import annotations

import re

_PARAGRAPH = re.compile(
    r"(?:§§?|Art\.|Artikel)\s*\d+[a-z]?(?:\s*(?:ff?\.|bis\s*\d+[a-z]?|[-–]\s*\d+[a-z]?|,\s*\d+[a-z]?))*"
    r"(?:\s*(?:Abs\.|Absatz)\s*\d+[a-z]?)?(?:\s*(?:S\.|Satz)\s*\d+)?(?:\s*(?:Nr\.|Nummer)\s*\d+[a-z]?)?"
    r"\s+(?:des\s+|der\s+)?(?P<law>[A-ZÄÖÜ][A-Za-zÄÖÜäöüß.\-]*(?:\s+(?:NRW|Bbg|LSA|M-V|BW|Bay|Nds|[IVX]+\b))?)"
)
_STATUTE = re.compile(
    r"\b(?P<name>[A-ZÄÖÜ][a-zäöüß]+(?:-)?(?:satzung|ordnung|gesetz|gesetzbuch|verordnung|richtlinie|"
    r"dienstanweisung|vorschrift))\b"
)
_ABBREVIATION = re.compile(
    r"\b(?:BauGB|BMG|GewO|PAuswG|PassG|PStG|PStV|StVO|StVG|FeV|FZV|OWiG|KrWG|WoGG|BKGG|UVG|IfSG|BGB|VwVfG|"
    r"AO|SGB\s*[IVX]+|TVöD|BeamtStG|DSGVO|BDSG|GastG|VgV|UVgO|GWB|BZRG|AsylbLG|KAG|[A-Z][a-zA-Z]*KAG|"
    r"[A-Z][a-zA-Z]*BO|BauO\s*NRW|GO\s*NRW|SächsGemO|NKomVG|BayGO|HGO|BbgKVerf)\b"
)
_NOT_A_NORM = {"Ordnung", "Verordnung", "Satzung", "Gesetz", "Richtlinie", "Vorschrift", "Dienstanweisung"}


def legal_references(text: str) -> list[str]:
    found: list[str] = []
    covered: list[tuple[int, int]] = []
    for match in _PARAGRAPH.finditer(text):
        value = re.sub(r"\s+", " ", match.group(0)).strip().rstrip(".,")
        found.append(value)
        covered.append(match.span())
    for pattern, group in ((_STATUTE, "name"), (_ABBREVIATION, 0)):
        for match in pattern.finditer(text):
            if any(start <= match.start() < end for start, end in covered):
                continue
            value = match.group(group)
            if value in _NOT_A_NORM:
                continue
            if value not in found:
                found.append(value)
                covered.append(match.span())
    return found
