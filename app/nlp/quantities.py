"""Quantity mentions in clerk German and how they combine into one yearly case volume.

Clerks often do the arithmetic in words: "250 Leute, jeder drei, vier Anträge im Jahr", "pro Wahl 430
Leute, eine Wahl im Jahr", "Altstadt 900, Bahnhofsviertel 300". Each number of an answer becomes a
``Mention`` (its value, what it counts, the period or unit it is per, its part label); ``yearly_volume``
multiplies a per-unit figure by the count of its unit, adds parallel parts and otherwise keeps the one
figure that states a period. Durations, validity periods, years, money, percentages, ages and negated
numbers are no mentions at all.

Works on text that ``figures.digits`` has already turned into digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_W = r"a-zäöüß"
PERIOD_FACTORS = {"jahr": 1, "schuljahr": 1, "kalenderjahr": 1, "halbjahr": 2, "quartal": 4, "monat": 12,
                  "woche": 52, "arbeitstag": 220, "werktag": 220, "tag": 220}
_ADVERB_PERIODS = {"jährlich": "jahr", "halbjährlich": "halbjahr", "quartalsweise": "quartal", "monatlich": "monat",
                   "wöchentlich": "woche", "täglich": "tag", "werktäglich": "tag"}
_PERIOD_WORD = r"(?:schul|kalender|halb)?jahr|quartal|monat|woche|arbeitstag|werktag|tag"
# "im Jahr", "pro Monat", "jede Woche", "am Tag", "in der Woche", "jährlich", "aufs Jahr".
_PERIOD = re.compile(
    rf"(?<![{_W}])(?:(?:im|pro|je|per|am|aufs|ins|jedes|jeden|jede|in der|in einem|in einer)\s+({_PERIOD_WORD})"
    rf"(?:es|s)?(?![{_W}])|({'|'.join(_ADVERB_PERIODS)})(?![{_W}]))")
_NUMBER = re.compile(rf"(?<![{_W}\d.,])(\d+(?:\.\d{{3}})+(?:,\d+)?|\d+(?:,\d+)?|anderthalb|eineinhalb|zweieinhalb|"
                     rf"ein paar|dutzend|eine|einen|ein)(?![{_W}\d])")
_WORD_VALUES = {"anderthalb": 1.5, "eineinhalb": 1.5, "zweieinhalb": 2.5, "ein paar": 3, "dutzend": 12,
                "eine": 1, "einen": 1, "ein": 1}
_ARTICLES = {"eine", "einen", "ein"}
_RANGE_GAP = re.compile(r"\s*(?:-|–|bis|oder|/|,)\s*|\s+(?:bis\s+)?")
_NEGATION = re.compile(r"(?:keine?n?|nicht mal|nicht einmal|kaum)\s+(?:so\s+)?$")
_TIME_UNIT = re.compile(
    rf"\s*(?:(?:gute|ganze|volle|knappe|halbe|weitere)n?\s+)?(?:minuten?|min\b|stunden?|std\b|sekunden?|"
    rf"(?:arbeits|werk)?tage?n?|wochen?|monate?n?|quartale?n?|jahre?n?|jährig)(?![{_W}])")
_NOT_A_COUNT_AFTER = re.compile(r"\s*(?:%|prozent|€|euro|eur\b|cent|uhr\b|jahre?n?\s+alt|km|kilometer|meter|"
                                r"seiten|mal so)|\.\d|\.\s*(?:januar|februar|märz|april|mai|juni|juli|august|"
                                r"september|oktober|november|dezember)")
_NOT_A_COUNT_BEFORE = re.compile(r"(?:§|art\.|artikel|absatz|abs\.|nr\.|nummer|€|seit|ab|bis zum|am|vom|um)\s*$")
# Words after a number that do not name what is counted.
_FUNCTION_WORDS = {"im", "pro", "je", "per", "am", "in", "und", "oder", "bis", "so", "ca", "etwa", "rum", "herum",
                   "davon", "aber", "da", "die", "der", "das", "den", "dem", "des", "es", "sind", "ist", "waren",
                   "war", "wir", "ich", "sie", "mit", "ohne", "auch", "noch", "nur", "mehr", "weniger", "vielleicht",
                   "gerechnet", "insgesamt", "zusammen", "jeweils", "jede", "jeder", "jedes", "jeden", "also", "dann",
                   "kommen", "stellt", "stellen", "machen", "macht", "haben", "hat", "von", "für", "bei", "aus",
                   "nach", "vor", "zu", "zum", "zur", "ungefähr", "circa", "rund", "schätze", "schätzungsweise",
                   "grob", "maximal", "mindestens", "höchstens", "neue", "neuen", "weitere", "weiteren"}
_ADJECTIVES = re.compile(r"(?:neue|weitere|größere|kleinere|reine|echte|einzelne|verschiedene)[nrs]?\s+")
# "pro Wahl", "je Zone", "für jede Schule": the figure counts per one of that unit.
_PER_UNIT = re.compile(rf"(?<![{_W}])(?:pro|je|per|für jede[nrs]?|bei jede[mrn]|in jede[mrn]|auf jede[nrs]?)\s+"
                       rf"([{_W}]{{3,}})(?![{_W}])")
# "jeder stellt …", "mit je 15", "jeweils 300": per one of the population named before.
_EACH = re.compile(rf"(?<![{_W}])(?:jede[rsn]?|jeweils|je)(?![{_W}])")
# A part of a listing: "in der Altstadt", "im Bahnhofsviertel", "bei den Schulen", "für Kita A".
_PART_LABEL = re.compile(rf"(?<![{_W}])(?:in der|in den|in die|in das|im|in|bei der|bei den|beim|bei|für die|für den|für das|für|an der|"
                         rf"am)\s+([{_W}][{_W}-]{{2,}})")
_LABEL_FILLERS = {"so", "ca", "etwa", "rund", "ungefähr", "vielleicht", "also", "ja", "und", "dann", "da", "es",
                  "sind", "sinds", "sind's", "waren", "noch", "nochmal", "mal", "nur", "knapp", "gut", "über",
                  "unter", "fast", "circa", "schätzungsweise", "grob", "bestimmt", "locker", "eher", "auch",
                  "wohl", "um", "die", "der", "das", "den", "dem", "des", "unserer", "unseren", "unserem", "schnitt", "kommen", "haben", "hat", "gibt", "gab"}
# Words that put two figures in contrast (then, now, or, of which), not side by side.
_CONTRAST = re.compile(r"(?<![a-zäöüß])(?:früher|damals|vorher|jetzt|inzwischen|mittlerweile|heute|letzte[ns]?|"
                       r"vorletzte[ns]?|dieses|nächste[ns]?|oder|eher|davon|nein|bzw|beziehungsweise|manchmal|"
                       r"mal|korrigier\w*|sorry|quatsch|mindestens|höchstens|maximal|bisher|künftig|zukünftig)"
                       r"(?![a-zäöüß])")
_ADDITIVE = re.compile(r"(?<![a-zäöüß])(?:plus|dazu kommen|dazu noch|dazu|und nochmal|und noch mal|nochmal|noch mal|"
                       r"zusätzlich|außerdem|obendrauf)(?![a-zäöüß])")
_SEASONS = re.compile(r"(?:sommer|winter|frühjahr|frühling|herbst|saison|ferien|rest|sonst|hochsaison|nebensaison|"
                      r"weihnacht|ostern)")
CASE_NOUN = re.compile(r"\b(fallzahl|fallzahlen|fälle|fall|anträge|antrag|vorgänge|anmeldungen|meldungen|bescheide|"
                       r"mal|stück|rechnungen|sitzungen|beurkundungen|anfragen|verfahren|genehmigungen|anzeigen|"
                       r"tickets|störungen)\b")
# "jetzt eher 400": the current figure wins over one from before.
_NOW = re.compile(r"(?<![a-zäöüß])(?:jetzt|inzwischen|mittlerweile|aktuell|derzeit|momentan|heute|dieses jahr|zuletzt)"
                  r"(?![a-zäöüß])")
_CLAUSE_END = re.compile(r"[.;!?:](?!\d)|,\s|\s(?:und|aber)\s")


@dataclass
class Mention:
    """One number of an answer with what it counts and what it refers to."""
    value: float
    start: int
    end: int
    noun: str | None = None      # what is counted: "anträge", "leute", "wahl"
    period: str | None = None    # the period it is per: "jahr", "monat"
    per: str | None = None       # the unit it is per: "wahl" in "pro Wahl 430"
    each: bool = False           # "jeder …", "je 15": per one of a population named before
    label: str | None = None     # the part it belongs to: "altstadt"
    article: bool = False        # "eine Wahl im Jahr": the value is an article
    months: float | None = None  # "sechs Monate lang": how many months of the year a part covers

    @property
    def yearly(self) -> float:
        """The value per year; a mention without period is taken as yearly (the question asked for a year)."""
        return self.value * PERIOD_FACTORS.get(self.period or "jahr", 1)


def _number_value(raw: str) -> float:
    if raw in _WORD_VALUES:
        return float(_WORD_VALUES[raw])
    return float(raw.replace(".", "").replace(",", "."))


def _numbers(lowered: str) -> list[tuple[float, int, int, bool]]:
    """Numbers with their spans; a range ("80, 90", "400 bis 500", "zwischen 3 und 5") counts with its middle."""
    found = [(m.group(1), m.start(1), m.end(1)) for m in _NUMBER.finditer(lowered)]
    merged: list[tuple[float, int, int, bool]] = []
    index = 0
    while index < len(found):
        raw, start, end = found[index]
        value = _number_value(raw)
        if index + 1 < len(found):
            raw2, start2, end2 = found[index + 1]
            gap = lowered[end:start2]
            high = _number_value(raw2)
            between = re.fullmatch(r"\s+und\s+", gap) and re.search(r"zwischen\s+$", lowered[:start])
            spoken = raw not in _ARTICLES or gap.strip() != ""  # "ein, zwei Anträge", "ein bis zwei"
            if (_RANGE_GAP.fullmatch(gap) or between) and spoken and raw2 not in _ARTICLES \
                    and value < high <= value * 3:
                merged.append(((value + high) / 2, start, end2, False))
                index += 2
                continue
        merged.append((value, start, end, raw in _ARTICLES))
        index += 1
    return merged


def _clause_before(lowered: str, start: int, floor: int) -> str:
    """The words of the clause in front of a number, not reaching back past ``floor`` (the number before)."""
    head = lowered[floor:start]
    ends = list(_CLAUSE_END.finditer(head))
    return head[ends[-1].end():] if ends else head


def _is_count(lowered: str, start: int, end: int) -> bool:
    """False for durations, validity periods, years, money, percentages, ages, dates, negated numbers."""
    after, before = lowered[end:], lowered[max(0, start - 16):start]
    if _TIME_UNIT.match(after) or _NOT_A_COUNT_AFTER.match(after):
        return False
    if _NEGATION.search(before) or _NOT_A_COUNT_BEFORE.search(before):
        return False
    raw = lowered[start:end]
    if re.fullmatch(r"(?:19|20)\d\d", raw) and not CASE_NOUN.match(lowered[end:].strip()):
        return False  # "2025 waren es 37", "im Jahr 2024": a year
    return True


def _noun_after(lowered: str, end: int) -> str | None:
    """The word naming what a number counts ("300 neue Anträge" → "anträge"), if one follows."""
    match = re.match(rf"\s*(?:{_ADJECTIVES.pattern})?([{_W}][{_W}'-]{{2,}}|mal)(?![{_W}])", lowered[end:])
    if not match or match.group(1) in _FUNCTION_WORDS or _PERIOD.match(lowered, end + match.start(1)):
        return None
    word = match.group(1)
    return None if word in _ADVERB_PERIODS or re.fullmatch(_PERIOD_WORD + r"(?:es|s|e|en)?", word) else word


def _period_in(text: str) -> str | None:
    match = _PERIOD.search(text)
    if not match:
        return None
    return match.group(1) or _ADVERB_PERIODS[match.group(2)]


def _read_mention(lowered: str, value: float, start: int, end: int, article: bool, floor: int,
                  ceiling: int) -> Mention:
    """What one number counts and refers to, from the words between its neighbours."""
    before = _clause_before(lowered, start, floor)
    after = lowered[end:ceiling]
    after = after[:next((m.start() for m in _CLAUSE_END.finditer(after)), len(after))]
    mention = Mention(value, start, end, noun=_noun_after(lowered, end), article=article)
    mention.period = _period_in(after) or _period_in(before)
    unit = next((m.group(1) for text in (before, after) for m in _PER_UNIT.finditer(text)
                 if not re.fullmatch(_PERIOD_WORD + r"(?:es|s)?", m.group(1))), None)
    mention.per = unit
    stripped = _PER_UNIT.sub(" ", _PERIOD.sub(" ", before))
    mention.each = unit is None and bool(_EACH.search(stripped))
    mention.label = _part_label(lowered, before, start)
    if mention.label is None and mention.noun and re.search(rf"(?<![{_W}])(?:in|im|bei|beim|für|an)(?: den| die| der"
                                                            rf"| dem| das| unseren| allen)?\s*$", before):
        mention.label = mention.noun  # "in den zwei Außenstellen je 100": the counted places are the part
    months = re.search(r"(\d+(?:,\d+)?)\s+monate?n?", before + " " + after)
    mention.months = float(months.group(1).replace(",", ".")) if months else None
    return mention


def _part_label(lowered: str, before: str, start: int) -> str | None:
    """The part a figure belongs to: "im Bahnhofsviertel 300", "Altstadt 900", "in der Altstadt sind's so 900"."""
    for match in reversed(list(_PART_LABEL.finditer(before))):
        word = match.group(1)
        if word not in _LABEL_FILLERS and not re.fullmatch(_PERIOD_WORD + r"(?:es|s)?", word) \
                and not _CONTRAST.fullmatch(word):
            return word
    words = re.findall(rf"[{_W}][{_W}'-]*", before)
    if len(words) == 1 and words[0] not in _LABEL_FILLERS and words[0] not in _FUNCTION_WORDS \
            and not _CONTRAST.fullmatch(words[0]) and not _EACH.fullmatch(words[0]):
        return words[0]  # "Altstadt 900, Bahnhofsviertel 300"
    return None


_TIMES = re.compile(rf"(?<![{_W}])(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|\d+)\s?mal(?![{_W}])")
_TIMES_VALUES = {"ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
                 "zehn": 10}


def _spell_times(lowered: str) -> str:
    """ "einmal im Jahr", "zweimal die Woche" → "1 mal …": the count of a repetition is a figure."""
    return _TIMES.sub(lambda m: f"{_TIMES_VALUES.get(m.group(1), m.group(1))} mal", lowered)


def mentions(lowered: str) -> list[Mention]:
    """Every countable number of an answer, in order, as a Mention (``lowered`` after ``_spell_times``)."""
    numbers = _numbers(lowered)
    result: list[Mention] = []
    months: float | None = None
    for index, (value, start, end, article) in enumerate(numbers):
        if not _is_count(lowered, start, end):
            if re.match(r"\s*monate?n?\b", lowered[end:]):
                months = value  # "im Sommer, also sechs Monate, so 40 im Monat"
            continue
        floor = numbers[index - 1][2] if index else 0
        ceiling = numbers[index + 1][1] if index + 1 < len(numbers) else len(lowered)
        mention = _read_mention(lowered, value, start, end, article, floor, ceiling)
        if article and mention.period is None and mention.per is None:
            continue  # "ein Antrag", "eine Liste": an article, not a figure
        mention.months, months = months, None
        result.append(mention)
    if months is not None and result and result[-1].months is None:
        result[-1].months = months  # "40 im Monat, und das sechs Monate lang"
    return result


def _same_unit(unit: str, noun: str | None) -> bool:
    """"wahl" names the same thing as "wahlen", "zone" as "zonen", "person" as "personen"."""
    if not noun:
        return False
    stem = min(len(unit), len(noun), 5)
    return stem >= 3 and unit[:stem] == noun[:stem] and abs(len(unit) - len(noun)) <= 3


def _repeats_previous(lowered: str, items: list[Mention], index: int) -> bool:
    """ "18 Plätze einmal im Monat": a repetition right after a count of things happens to each of them."""
    if index == 0 or items[index].noun != "mal":
        return False
    previous = items[index - 1]
    return previous.period is None and previous.noun is not None \
        and not _CLAUSE_END.search(lowered[previous.end:items[index].start])


def _products(lowered: str, items: list[Mention]) -> list[Mention]:
    """Multiply a per-unit figure by the count of its unit: "pro Wahl 430" × "eine Wahl im Jahr",
    "250 Leute, jeder 3–4 im Jahr", "20 Schulen mit je 15 Anträgen"."""
    used: set[int] = set()
    out: list[Mention] = []
    for index, mention in enumerate(items):
        if index in used:
            continue
        partner = None
        if mention.per:
            partner = next((other for j, other in enumerate(items) if j != index and j not in used
                            and other.per is None and _same_unit(mention.per, other.noun)), None)
        elif mention.each or _repeats_previous(lowered, items, index):
            partner = next((other for other in reversed(items[:index]) if items.index(other) not in used
                            and not other.each and other.per is None and other.noun
                            and other.noun != mention.noun), None)
        if partner is None:
            out.append(mention)
            continue
        used.add(items.index(partner))
        period = mention.period or partner.period
        out = [m for m in out if m is not partner]
        out.append(Mention(mention.value * partner.value, min(mention.start, partner.start),
                           max(mention.end, partner.end), noun=mention.noun, period=period,
                           label=mention.label or partner.label))
    return out


def _listing_heads(items: list[Mention]) -> list[Mention]:
    """Drop the head of a listing: "zwei Zonen, Altstadt und Bahnhofsviertel … 900 …, 300" (2 parts follow)."""
    kept = []
    for index, mention in enumerate(items):
        rest = items[index + 1:]
        parts = [m for m in rest if m.noun != mention.noun]
        if mention.period is None and mention.value >= 2 and len(parts) == mention.value == len(rest) \
                and all(m.value > mention.value for m in rest):
            continue
        kept.append(mention)
    return kept


def _parallel(lowered: str, items: list[Mention]) -> bool:
    """Figures listed side by side for different parts ("Altstadt 900, Bahnhofsviertel 300") or added
    ("40 und dazu noch 10 Nachmeldungen"), not in contrast ("früher 300, jetzt 400")."""
    if len(items) < 2:
        return False
    span = lowered[items[0].start:items[-1].end]
    if _CONTRAST.search(lowered[max(0, items[0].start - 30):items[-1].end]):
        return False
    if len({m.period or "jahr" for m in items}) > 1 and not all(m.months for m in items):
        return False
    labels = [m.label for m in items]
    if all(labels) and len(set(labels)) == len(labels) or all(m.months for m in items):
        return True
    return all(_ADDITIVE.search(lowered[a.end:b.start]) for a, b in zip(items, items[1:])) and bool(span)


def _carry_periods(items: list[Mention]) -> None:
    """ "im Sommer 40 im Monat, im Winter 10": a labelled part without period has the period of the part before."""
    if not all(m.label for m in items) and not all(m.months for m in items):
        return
    for previous, mention in zip(items, items[1:]):
        if mention.period is None:
            mention.period = previous.period


def _seasonal(items: list[Mention]) -> bool:
    return any(m.label and _SEASONS.search(m.label) for m in items)


def yearly_volume(lowered: str, *, need_period: bool) -> int | None:
    """Cases per year from the quantity mentions of one answer (text already lowered and in digits).

    ``need_period``: only a figure stated per period counts (the question was not about the volume)."""
    lowered = _spell_times(lowered)
    items = _listing_heads(_products(lowered, mentions(lowered)))
    if not items:
        return None
    _carry_periods(items)
    if _parallel(lowered, items):
        if all(m.months for m in items):  # "sechs Monate 40 im Monat, die anderen sechs 10"
            return int(round(sum(m.yearly / 12 * (m.months or 0) for m in items)))
        if _seasonal(items) and any(m.period == "monat" for m in items):
            return None  # "im Sommer 40 im Monat, im Winter 10": how many months each is not said
        if need_period and not any(m.period for m in items):
            return None
        return int(round(sum(m.yearly for m in items)))
    with_period = [m for m in items if m.period]
    if need_period and not with_period:
        return None
    candidates = with_period or items
    current = [m for m in candidates if _NOW.search(lowered[max(0, m.start - 30):m.start])]
    chosen = (current or candidates)[0]
    return int(round(chosen.yearly))
