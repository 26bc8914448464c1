"""Numbers with units from everyday German: case volumes and working time.

"ca. 400 Fälle im Jahr", "rund 30 im Monat", "so 20 Minuten pro Fall",
"eine gute Stunde", "anderthalb Stunden", "zwei Stunden pro Woche".
"""

from __future__ import annotations

import re

from text_to_num import text2num

from .quantities import CASE_NOUN, yearly_volume

NUMBER_WORDS = {
    "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
    "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "fünfzehn": 15,
    "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80,
    "neunzig": 90, "hundert": 100, "einhundert": 100, "zweihundert": 200, "dreihundert": 300,
    "vierhundert": 400, "fünfhundert": 500, "tausend": 1000, "eintausend": 1000, "zweitausend": 2000,
    "anderthalb": 1.5, "eineinhalb": 1.5, "zweieinhalb": 2.5, "halbe": 0.5, "dutzend": 12, "paar": 3,
    "sechshundert": 600, "siebenhundert": 700, "achthundert": 800, "neunhundert": 900, "dreitausend": 3000,
    "fünfundzwanzig": 25, "fünfunddreißig": 35, "fünfundvierzig": 45, "dreiviertel": 0.75, "viertel": 0.25,
}
# "80, 90 im Jahr", "60 70 Stück", "15 bis 20 Minuten", "zwischen 300 und 400": a range means its middle.
_RANGE = re.compile(r"(?:zwischen\s+)?(\d+(?:\.\d{3})*)(?:\s*(?:,|-|–|bis|und|oder|/)\s*|\s+)(\d+(?:\.\d{3})*)\b")
_NEGATED = re.compile(r"\b(?:keine?|nicht mal|nicht einmal|kaum)\s+$")
_NUM = r"(\d+(?:[.\s]\d{3})*(?:,\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"

_PERIODS = {
    "jahr": 1, "jährlich": 1, "jahres": 1, "monat": 12, "monatlich": 12, "quartal": 4, "woche": 52,
    "wöchentlich": 52, "tag": 220, "täglich": 220, "arbeitstag": 220,
}
_PERIOD = r"(?:im|pro|je|per|in der|in einem|am|jedes|jeden|pro\s+\w+)?\s*(jahr|jährlich|jahres|monat|monatlich|quartal|woche|wöchentlich|arbeitstag|tag|täglich)(?![a-zäöüß])"
_VOLUME = re.compile(
    r"(?<![\wäöüß])" + _NUM + r"\s*(?:\w+\s){0,2}?(?:fälle|fall|anträge|antrag|vorgänge|vorgang|anmeldungen|meldungen|bescheide|mal|stück|"
    r"rechnungen|sitzungen|beurkundungen|anfragen|verfahren|genehmigungen|anzeigen|im|pro|je|jährlich|monatlich|"
    r"wöchentlich|täglich)?\s*(?:\w+\s)?" + _PERIOD,
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"(?:(?P<num>" + _NUM[1:-1] + r")\s*(?:gute[n]?\s|knappe[n]?\s|halbe[n]?\s)?)?(?:(?<![A-Za-zÄÖÜäöüß])|(?<=viertel)|(?<=halbe))(?P<unit>minuten|minute|min\.?|stunden|stunde|std\.?|h\b|arbeitstage|tage)",
    re.IGNORECASE,
)


_KEEP_WORDS = {"ein", "eine", "einen", "einem", "einer", "eins", "halbe", "halben", "viertel", "dreiviertel",
               "anderthalb", "eineinhalb", "zweieinhalb", "paar", "dutzend"}
_NUMBER_WORD = re.compile(r"(?<![\wäöüß-])([a-zäöüß]*(?:null|eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|"
                          r"zwölf|zig|ßig|hundert|tausend)[a-zäöüß]*)(?![\wäöüß])", re.IGNORECASE)
# "zwei- bis dreihundert", "drei- oder viertausend": the first number shares the second's magnitude.
_SHARED_TAIL = re.compile(r"(?<![\wäöüß])(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn)-\s+(bis|oder|und)\s+"
                          r"([a-zäöüß]+?)(hundert|tausend)(?![\wäöüß])", re.IGNORECASE)


def digits(text: str) -> str:
    """Number words as digits ("dreihundertfünfzig" → "350", "zwei- bis dreihundert" → "200 bis 300").

    Parsing uses text2num (``text_to_num``), a maintained parser for German number words; fractions and
    articles ("eine halbe Stunde", "ein paar") stay words for the rules below.
    """
    def number(word: str) -> str | None:
        if word.lower() in _KEEP_WORDS:
            return None
        try:
            return str(text2num(word.lower(), "de"))
        except ValueError:
            return None

    def shared(match: re.Match[str]) -> str:
        tail = match.group(4)
        first = number(match.group(1) + tail)
        second = number(match.group(3) + tail)
        return f"{first} {match.group(2)} {second}" if first and second else match.group(0)

    text = _SHARED_TAIL.sub(shared, text)
    return _NUMBER_WORD.sub(lambda m: number(m.group(1)) or m.group(0), text)


def parse_number(raw: str) -> float | None:
    raw = raw.strip().lower()
    if raw in NUMBER_WORDS:
        return float(NUMBER_WORDS[raw])
    cleaned = re.sub(r"[.\s](?=\d{3}\b)", "", raw).replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


_CASE_NOUN = CASE_NOUN


# Where the clerk settles on one figure after thinking aloud.
_SETTLED = re.compile(r"\b(?:sagen wir|aufs jahr gerechnet|aufs jahr|insgesamt|alles in allem|unterm strich|im schnitt|"
                      r"durchschnittlich|"
                      r"also (?:rechne mal,?\s*)?(?:ca\.?|circa|etwa|so|rund)|im endeffekt|"
                      r"(?:das (?:macht|ergibt|sind)|(?<=, )macht|ergibt)(?: dann| also| zusammen| insgesamt)?(?=\s+(?:so |ca\.? |etwa |rund |"
                      r"knapp |gut )?\d))\b")


def _range_middle(text: str, start: int) -> float | None:
    """The middle of a range of two numbers starting at ``start`` ("80, 90" → 85), if it is one."""
    match = _RANGE.match(text, start)
    if not match:
        return None
    low, high = parse_number(match.group(1)), parse_number(match.group(2))
    if low is None or high is None or not low < high <= low * 3:
        return None
    return (low + high) / 2


def case_volume_per_year(text: str, *, asked: bool = False) -> int | None:
    """Cases per year mentioned in ``text``; unless asked for, a case noun and a period must be there
    ("eine Woche warten" is not a volume). The figure the clerk settles on wins; otherwise the quantity
    mentions are combined (``quantities.yearly_volume``: per-unit products, parallel parts summed)."""
    lowered = digits(text.lower())
    if not asked and not _CASE_NOUN.search(lowered):
        return None
    settled = _SETTLED.search(lowered)
    if settled:  # "vor Wahlen hundert im Monat …, aufs Jahr gerechnet so zwei- bis dreihundert"
        later = case_volume_per_year(lowered[settled.end():], asked=True)
        if later is not None:
            return later
    return yearly_volume(lowered, need_period=not asked)


_LOW_OF_RANGE = re.compile(r"(?:(?:zwischen\s+)?" + _NUM + r"\s*(?:-|–|bis|oder|,)\s*|zwischen\s+" + _NUM +
                           r"\s+und\s+)$")


def _spoken_range(before: str, high: float | None) -> float | None:
    """ "zwei bis zweieinhalb Stunden", "eine bis zwei", "drei, vier Stunden": a range of durations means its
    middle; the low end may be a word the digit pass keeps ("eine", "anderthalb")."""
    match = _LOW_OF_RANGE.search(before)
    if high is None or not match:
        return high
    low = parse_number(match.group(1) or match.group(2))
    return (low + high) / 2 if low is not None and low < high <= low * 3 else high


# "zwei Stunden für alle zehn zusammen", "eine Stunde für 4 Anträge": a time shared by several cases.
_SHARED_BY = re.compile(r"^\s*(?:\w+\s+){0,2}?für\s+(?:alle\s+|die\s+|diese\s+|insgesamt\s+)?(\d+)\s*"
                        r"(?:zusammen|fälle|anträge|vorgänge|akten|stück|bescheide|anmeldungen|leute|personen)\b")


def _cases_shared(after: str) -> float:
    """How many cases a stated time is for (1 unless "für alle zehn zusammen" follows it)."""
    match = _SHARED_BY.match(after)
    count = parse_number(match.group(1)) if match else None
    return count if count and count > 1 else 1.0


_ADDED_BARE = re.compile(r"^[^.;!?\d]{0,30}?\b(?:und|plus|dazu)\s+(?:nochmal\s+|noch mal\s+|noch\s+|so\s+|ca\.?\s+)*"
                         r"(\d+(?:,\d+)?)(?!\s*(?:minute|min|stunde|std|h\b|tage|arbeitstage|%|prozent|euro))")


def _added_without_unit(after: str, minutes_per_unit: float) -> float:
    """ "zehn Minuten fürs Prüfen und nochmal fünf fürs Erfassen": an added number without unit has the unit
    of the duration before it."""
    match = _ADDED_BARE.match(after)
    value = parse_number(match.group(1)) if match else None
    return value * minutes_per_unit if value else 0.0


def minutes_per_case(text: str) -> float | None:
    """Working minutes per case from phrases like "so 20 Minuten", "eine halbe Stunde"."""
    lowered = digits(text.lower())
    if re.search(r"stunden?\s+(pro|je|in der|die)\s+woche|pro\s+woche", lowered) and not re.search(
            r"pro\s+(fall|antrag|vorgang)", lowered):
        return None  # weekly effort, not per case
    settled = re.search(r"\b(?:sagen wir|im schnitt|durchschnittlich|im mittel|unterm strich|also eher)\b", lowered)
    if settled:  # "paar Minuten, sagen wir 8": the figure the clerk settles on
        rest = lowered[settled.end():].replace("sagen wir", "")
        later = minutes_per_case(rest)
        if later is not None:
            return later
        bare = re.match(r"\W*(?:(?:so|ca\.?|etwa|vielleicht|rund|knapp|gut|um die)\s+)*(\d+(?:,\d+)?)\b", rest)
        units = [m.group("unit") for m in _DURATION.finditer(lowered[:settled.start()])]
        if bare and units:
            unit = units[-1]  # "ne Stunde, ohne fünf Minuten, im Schnitt zwanzig": the unit spoken last
            number = parse_number(bare.group(1)) or 0
            return number * 60 if unit.startswith(("stunde", "std", "h")) else number
    best: float | None = None
    for match in _DURATION.finditer(lowered):
        unit = match.group("unit")
        raw = match.group("num")
        number = parse_number(raw) if raw else 1.0
        if number is None:
            continue
        span = lowered[max(0, match.start() - 12): match.start()]
        if raw and raw.strip() in ("halbe", "viertel", "dreiviertel"):
            pass  # the number word already is the fraction
        elif "halbe" in lowered[match.start(): match.end()] or re.search(r"halbe\s*$", span):
            number = number * 0.5 if raw else 0.5
        elif re.search(r"dreiviertel\s*$", span):
            number = 0.75
        elif re.search(r"viertel\s*$", span):
            number = 0.25
        stated = number
        if raw and re.match(r"\d", raw):
            number = _range_middle(lowered, match.start()) or number
            before = re.search(r"(\d+)\s*(?:-|–|bis|oder|/)\s*$", lowered[:match.start()])
            if before is not None:
                number = _range_middle(lowered, before.start()) or number
        if number == stated:
            number = _spoken_range(lowered[:match.start()], number)
        if unit.startswith(("stunde", "std", "h")):
            minutes = number * 60
        elif unit.startswith(("arbeitstag", "tage")):
            continue  # waiting time, not working time
        else:
            minutes = number
        minutes /= _cases_shared(lowered[match.end():])
        minutes += _added_without_unit(lowered[match.end():], minutes / number if number else 1.0)
        best = minutes if best is None else best + minutes
        if re.search(r"\b(?:und|plus|dazu|nochmal|noch mal|noch)\b", lowered[match.end(): match.end() + 40]) is None:
            break
    return best
