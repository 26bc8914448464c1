"""Numbers with units from everyday German: case volumes and working time.

"ca. 400 Fälle im Jahr", "rund 30 im Monat", "so 20 Minuten pro Fall",
"eine gute Stunde", "anderthalb Stunden", "zwei Stunden pro Woche".
"""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
    "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "fünfzehn": 15,
    "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80,
    "neunzig": 90, "hundert": 100, "einhundert": 100, "zweihundert": 200, "dreihundert": 300,
    "vierhundert": 400, "fünfhundert": 500, "tausend": 1000, "eintausend": 1000, "zweitausend": 2000,
    "anderthalb": 1.5, "eineinhalb": 1.5, "zweieinhalb": 2.5, "halbe": 0.5, "dutzend": 12, "paar": 3,
}
_NUM = r"(\d+(?:[.\s]\d{3})*(?:,\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"

_PERIODS = {
    "jahr": 1, "jährlich": 1, "jahres": 1, "monat": 12, "monatlich": 12, "quartal": 4, "woche": 52,
    "wöchentlich": 52, "tag": 220, "täglich": 220, "arbeitstag": 220,
}
_PERIOD = r"(?:im|pro|je|per|in der|in einem|am|jedes|jeden|pro\s+\w+)?\s*(jahr|jährlich|jahres|monat|monatlich|quartal|woche|wöchentlich|arbeitstag|tag|täglich)"
_VOLUME = re.compile(
    _NUM + r"\s*(?:\w+\s){0,2}?(?:fälle|fall|anträge|antrag|vorgänge|vorgang|anmeldungen|meldungen|bescheide|mal|stück|"
    r"rechnungen|sitzungen|beurkundungen|anfragen|verfahren|genehmigungen|anzeigen|im|pro|je|jährlich|monatlich|"
    r"wöchentlich|täglich)?\s*(?:\w+\s)?" + _PERIOD,
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"(?:(?P<num>" + _NUM[1:-1] + r")\s*(?:gute[n]?\s|knappe[n]?\s|halbe[n]?\s)?)?(?P<unit>minuten|minute|min\.?|stunden|stunde|std\.?|h\b|arbeitstage|tage)",
    re.IGNORECASE,
)


def parse_number(raw: str) -> float | None:
    raw = raw.strip().lower()
    if raw in NUMBER_WORDS:
        return float(NUMBER_WORDS[raw])
    cleaned = re.sub(r"[.\s](?=\d{3}\b)", "", raw).replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


_CASE_NOUN = re.compile(r"\b(fälle|fall|anträge|vorgänge|anmeldungen|meldungen|bescheide|mal|stück|rechnungen|"
                        r"sitzungen|beurkundungen|anfragen|verfahren|genehmigungen|anzeigen|tickets|störungen)\b")


def case_volume_per_year(text: str, *, asked: bool = False) -> int | None:
    """Cases per year mentioned in ``text``; unless asked for, a case noun must be there
    ("eine Woche warten" is not a volume)."""
    if not asked and not _CASE_NOUN.search(text.lower()):
        return None
    for match in _VOLUME.finditer(text.lower()):
        number = parse_number(match.group(1))
        period = match.group(2).lower()
        if number is None:
            continue
        context = text.lower()[max(0, match.start() - 3): match.end() + 12]
        if re.search(r"minute|stunde", match.group(0)):
            continue
        factor = next((f for key, f in _PERIODS.items() if period.startswith(key)), 1)
        if "pro woche" in context and "stunden" in context:
            continue
        return int(round(number * factor))
    return None


def minutes_per_case(text: str) -> float | None:
    """Working minutes per case from phrases like "so 20 Minuten", "eine halbe Stunde"."""
    lowered = text.lower()
    if re.search(r"stunden?\s+(pro|je|in der|die)\s+woche|pro\s+woche", lowered) and not re.search(
            r"pro\s+(fall|antrag|vorgang)", lowered):
        return None  # weekly effort, not per case
    best: float | None = None
    for match in _DURATION.finditer(lowered):
        unit = match.group("unit")
        raw = match.group("num")
        number = parse_number(raw) if raw else 1.0
        if number is None:
            continue
        span = lowered[max(0, match.start() - 12): match.start()]
        if "halbe" in lowered[match.start(): match.end()] or re.search(r"halbe\s*$", span):
            number = number * 0.5 if raw else 0.5
        if unit.startswith(("stunde", "std", "h")):
            minutes = number * 60
        elif unit.startswith(("arbeitstag", "tage")):
            continue  # waiting time, not working time
        else:
            minutes = number
        best = minutes if best is None else best + minutes
        if re.search(r"\bund\b", lowered[match.end(): match.end() + 5]) is None:
            break
    return best
