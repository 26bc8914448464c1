"""Decisions told in words, placed on steps that are already known.

Asked about exceptions, clerks do not name step numbers: "Wenn der Weg kürzer ist, gibt's
keine Karte, dann schreib ich gleich den Bescheid als Ablehnung", "wenn wir keinen antreffen,
gehen wir an nem anderen Tag nochmal hin", "hat er ne Wohnung, zieht er aus und gut, sonst
gibt's eine neue Verfügung und das Ganze geht von vorne los". Each such telling is a condition
with a consequence (and perhaps a "sonst" consequence). The decision sits at the step the
condition is about (the check, the waiting, the visit); a consequence ends the process, loops
back to a step, or jumps forward to the step it names; the other branch goes on as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.domain import Branch, Decision

from .clauses import Clause, as_question, retag, sentences, split_clauses
from .orthography import normalise
from .steps import read_description
from .tagger import tag, tokenize
from .verbs import participle_infinitive

# Where the decision is taken: the kinds of steps a condition is about.
DECIDING_KINDS = ("check_formal", "check_content", "decide", "wait", "appointment", "search")
_ENDS = re.compile(r"\b(?:schluss|ende|beendet|erledigt|fertig|"
                   r"das war'?s|war'?s das|und gut|nicht weiter|nix weiter|nichts weiter|nix extra|nichts extra|"
                   r"(?:nehmen|zieht|ziehen)\s+(?:\w+\s+){0,4}zurück|zurück(?:nehmen|genommen|ziehen))\b",
                   re.IGNORECASE)
_LOOPS = re.compile(r"\b(?:von vorn(?:e)?|nochmal|noch mal|noch einmal|wieder|erneut|neuen?\s+termin|"
                    r"zurück an|zurück zu|zurück zum|zurück zur)\b", re.IGNORECASE)
# Words that name no step: condition and consequence words of every telling.
_NOT_NAMING = frozenset({"wenn", "dann", "nicht", "kein", "keine", "keinen", "machen", "mache", "haben", "wird",
                         "werden", "gibt", "gibt's", "gibts", "halt", "natürlich", "einfach", "direkt", "gleich",
                         "schon", "immer", "meistens", "sonst", "also", "eben", "nochmal", "wieder", "einen",
                         "einem", "einer", "eine", "noch", "auch", "alles", "nur", "erst", "sind", "ist", "muss",
                         "müssen", "kann", "können", "bleibt", "kommt", "geht", "gehts", "geht's", "falls",
                         # function words of four letters and more: they name nothing either
                         "oder", "aber", "dass", "weil", "denn", "dies", "diese", "dieser", "dieses", "dort", "hier",
                         "mich", "sein", "seine", "seiner", "ihre", "ihren", "ihrem", "unser", "unsere", "euch",
                         "wurde", "wurden", "hatte", "hatten", "habe", "soll", "sollen", "will", "wollen", "darf",
                         "beim", "über", "unter", "nach", "durch", "gegen", "ohne", "drin", "raus", "rein",
                         "ganz", "sehr", "mehr", "etwa", "jemand", "keiner", "niemand", "meisten", "manche"})
_KIND_CUES = (
    (re.compile(r"\b(?:fehlt|fehlen|vollständig|unvollständig|ausgefüllt|unterschrieben|dabei)\b", re.I),
     ("check_formal", "check_content")),
    (re.compile(r"\b(?:zurück(?:kommt|kommen|gegeben)|meldet|melden|antwort\w*|zahlt|zahlen|bezahlt|eingeht|"
                r"eingegangen|reagier\w*|rückmeldung|will|wollen|möchte|möchten|wünscht|wünschen)\b", re.I),
     ("wait",)),  # what the customer answers or wants is known after waiting for it
    (re.compile(r"\b(?:antreff\w*|angetroffen|niemand da|keiner da|keinen da|vor ort)\b", re.I), ("appointment",)),
    (re.compile(r"\b(?:beschließt|beschlossen|ablehnt|abgelehnt|zustimmt|genehmigt|entscheidet)\b", re.I),
     ("decide",)),
)


@dataclass(frozen=True)
class KnownStep:
    """A step as the draft holds it: its label, the clerk's words for it and its building block."""

    label: str
    told: str = ""
    kind: str = "other"


@dataclass
class _Telling:
    condition: str
    consequence: list[str]  # its clauses, in order
    otherwise: list[str]  # the clauses of its "sonst" branch
    later: list[str]  # clauses of the following sentences, until the next condition
    also: list[str] = field(default_factory=list)  # "… und keine Befreiung braucht": more of the condition


def _content_words(text: str) -> set[str]:
    """The words that may name a step, participles also by their infinitive."""
    words = [w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß]{4,}", text)]
    words += [i for i in (participle_infinitive(w) for w in words) if i]
    return {w for w in words if w not in _NOT_NAMING}


def _shared(wanted: set[str], text: str) -> int:
    """How many of the ``wanted`` words the text names: by stem, or as the head of a compound
    ("Ausschuss" names the "Bauausschuss", "Kommission" the "Härtefallkommission")."""
    have = _content_words(text)
    stems = {w[:5] for w in have}
    return sum(1 for w in wanted if w[:5] in stems or len(w) >= 5 and any(h.endswith(w) for h in have))


def _tellings(text: str) -> list[_Telling]:
    """Condition, consequence and "sonst" consequence of each conditional telling in ``text``."""
    found: list[_Telling] = []
    for number, sentence in enumerate(sentences(text)):
        clauses = split_clauses(retag(tag(normalise(tokenize(sentence)) + ["."])), number)
        current: _Telling | None = None
        before: list[str] = []
        for index, clause in enumerate(clauses):
            told = _joined(clause.text)
            opening = current is None and not any(c.role != "main" or _has_verb(c) for c in clauses[:index])
            if _is_condition(clause, first=opening or (current is None and not before)):
                if current is not None:
                    found.append(current)
                current = _Telling(told, [], [], [])
            elif current is not None and not current.consequence and not current.otherwise \
                    and _continues_condition(clause):
                current.also.append(told)
            elif clause.role == "else" and current is not None:
                current.otherwise.append(told)
            elif current is not None and current.otherwise:
                current.otherwise.append(told)
            elif current is not None:
                current.consequence.append(told)
            else:
                before.append(told)
        if current is not None:
            if not current.consequence and before:  # "absperren nur, wenn's wirklich gefährlich ist"
                current.consequence = before
            found.append(current)
        elif found and before:  # "Wenn kein aG drin ist, gibt's den nicht. … dann ist da Schluss."
            found[-1].later.extend(before)
    return [t for t in found if t.consequence or t.otherwise or t.later]


def _continues_condition(clause: Clause) -> bool:
    """"wenn es im Plan liegt und keine Befreiung braucht": a coordinated clause with its verb last
    still belongs to the condition (a consequence puts its verb first: "und mache einen Termin")."""
    tokens = [t for t in clause.tokens if t.text not in (",", ".")]
    return clause.coordinated and len(tokens) > 2 and tokens[0].text.lower() in ("und", "oder") \
        and tokens[-1].tag.endswith("(FIN)") and not tokens[1].tag.startswith(("VV", "VA", "VM"))


def _has_verb(clause: Clause) -> bool:
    return any(t.tag.startswith(("VV", "VA", "VM")) for t in clause.tokens)


def _joined(text: str) -> str:
    """Tokens back to words: "gibt ' s" → "gibt's"."""
    return re.sub(r"\s*'\s*s\b", "'s", text)


def _is_condition(clause: Clause, first: bool) -> bool:
    words = [t.text.lower() for t in clause.tokens]
    while words and words[0] in ("und", "oder", "aber", "also", "ja", "nur", "und"):
        words = words[1:]
    if clause.role == "condition" or words[:1] in (["ohne"], ["bei"]) and first:
        return True
    if first and words[:1] == ["wer"]:
        return True  # "Wer über der Einkommensgrenze liegt, kriegt direkt eine Absage"
    # "hat er ne Wohnung, zieht er aus": a condition told verb first
    return first and bool(clause.tokens) and clause.tokens[0].tag.endswith("(FIN)") and len(clause.tokens) > 2 \
        and clause.tokens[1].text.lower() in ("er", "sie", "es", "der", "die", "das", "jemand", "man")


def _named(text: str, steps: list[KnownStep], kinds: tuple[str, ...] = (), exclude: int | None = None,
           earliest: bool = False) -> int | None:
    """The one step (1-based) that the words name best, by label first and the clerk's words second;
    among equals a step of ``kinds``, or with ``earliest`` the first of them."""
    wanted = _content_words(text)
    if not wanted:
        return None
    for source in ("label", "told"):
        scores = [0 if i + 1 == exclude else _shared(wanted, getattr(step, source)) for i, step in enumerate(steps)]
        best = max(scores, default=0)
        if not best:
            continue
        winners = [i for i, score in enumerate(scores) if score == best]
        preferred = [i for i in winners if steps[i].kind in kinds]
        if len(preferred) == 1 or (len(winners) > 1 and preferred):
            return preferred[0] + 1
        if len(winners) == 1 or earliest:
            return winners[0] + 1
    return None


def _cued_kinds(condition: str) -> tuple[str, ...]:
    for cue, kinds in _KIND_CUES:
        if cue.search(condition):
            return kinds
    return ()


# A negated clause names no step it leads to ("kommt gar nicht erst in die Kommission").
NEGATED = re.compile(r"\b(?:nicht|nichts|nix|kein\w*|nie)\b", re.IGNORECASE)
_AFTER_NAMED = re.compile(r"\bnach (?:dem|der|den)\s+([\wÄÖÜäöüß\-]+)", re.IGNORECASE)
# A refusal ends the case unless the clerk names the step that writes it ("eine Absage, die schreib ich als Bescheid").
_REFUSAL = re.compile(r"\b(?:absage|ablehnung|abgelehnt|ablehnen|lehn\w*\s+(?:\w+\s+){0,3}ab|"
                      r"gibt'?s\s+(?:\w+\s+){0,3}nicht|kein(?:e|en)?\s+(?:bescheid|erlaubnis|genehmigung|"
                      r"karte|ausweis|zuschuss|platz|auszahlung|geld))\b", re.IGNORECASE)


_GOES_ON = re.compile(r"\b(?:genehmig\w*|bewillig\w*|erteil\w*|geht (?:ganz )?normal weiter|läuft (?:ganz )?normal|"
                      r"ganz normal|wie immer)\b", re.IGNORECASE)


def _said(clause: str) -> str:
    """A clause with the labels the step reader makes of it ("fordere ich die an" → "… anfordern")."""
    return " ".join([clause, *(a.label for a in read_description(clause).activities)])


def _action(clauses: list[str], steps: list[KnownStep], after: int) -> tuple[str, int | None] | None:
    """Where a branch goes, from the first of its clauses that says so: ("end", None), ("loop", step)
    or ("jump", step); None when the clauses do not say."""
    refused = False
    for clause in clauses:
        if _GOES_ON.search(clause) and not NEGATED.search(clause):
            return "next", after + 1 if after < len(steps) else None  # "sonst wird genehmigt"
        if _LOOPS.search(clause):
            named = _named(clause, steps, earliest=True)
            return "loop", named if named is not None and named <= after else _loop_target(clause, steps, after)
        only = _ONLY.search(clause)
        named = _named(only.group(1), steps, earliest=True, exclude=after) if only else None
        if named is not None and named > after:  # "keine Auszahlung, nur den Bescheid"; "nur die Marke, fertig"
            return "jump", named
        if _ENDS.search(clause) or only:  # "bekommt nur den Brief": had it already, that's all
            return "end", None
        if _REFUSAL.search(clause):  # "eine Absage": named by its own words, not by a reading as a step
            refused = True
            named = None if NEGATED.search(clause) else _named(clause, steps, earliest=True, exclude=after)
            if named is not None and named > after:
                return "jump", named
        elif not NEGATED.search(clause):
            named = _named(_said(clause), steps, earliest=True, exclude=after)
            if named is not None:
                return ("loop" if named < after else "jump"), named
    return ("end", None) if refused else None


_ONLY = re.compile(r"\bnur\s+(?:noch\s+)?(.+)$", re.IGNORECASE)


def _loop_target(clause: str, steps: list[KnownStep], after: int) -> int:
    """Where "nochmal"/"von vorn" leads back to when no step is named."""
    if re.search(r"\btermin", clause, re.IGNORECASE):
        visits = [i + 1 for i, s in enumerate(steps) if s.kind == "appointment" and i + 1 <= after]
        if visits:
            return visits[0]
    if re.search(r"\bvon vorn", clause, re.IGNORECASE):
        return next((i + 1 for i, s in enumerate(steps) if s.kind != "receive"), 1)
    return after


def _decided_at(telling: _Telling, steps: list[KnownStep]) -> list[int]:
    """The step(s) the condition is about: named by it, cued by its verb ("zurückkommen": the waiting),
    or the last deciding step before the step the consequence names."""
    said = re.sub(r"^\W*(?:und\s+)?(?:wenn|falls|sofern|bei|ohne|wer)\b", "", telling.condition, flags=re.I)
    said = " ".join([said, *telling.also])
    target = next((n for n in (_named(_said(c), steps, earliest=True) for c in telling.consequence
                               if not NEGATED.search(c)) if n), None)
    cues = _cued_kinds(telling.condition)
    cued = [i + 1 for i, step in enumerate(steps) if step.kind in cues]
    if cued:
        named = _named(said, [s if i + 1 in cued else KnownStep("") for i, s in enumerate(steps)])
        return [named] if named else cued
    skipped = _skipped(telling.consequence, steps)
    if skipped is not None and (target is None or skipped < target):
        target = skipped  # decided before the steps the branch leaves out
    named = _named(said, steps, DECIDING_KINDS, exclude=target)
    if named is not None and steps[named - 1].kind != "receive" and (target is None or named < target):
        return [named]
    hint = next((m for m in map(_AFTER_NAMED.search, telling.consequence) if m), None)
    if hint:  # "ohne Verstöße ist nach dem Bericht Schluss"
        named = _named(hint.group(1), steps)
        if named is not None:
            return [named]
    if target is not None:
        deciding = [i + 1 for i in range(target - 2, -1, -1) if steps[i].kind in DECIDING_KINDS]
        return deciding[:1]
    return []


def _skipped(clauses: list[str], steps: list[KnownStep]) -> int | None:
    """The first step a negated consequence leaves out: "kommt gar nicht erst in die Kommission",
    "brauch ich den Ausschuss nicht" (the decision is taken before it)."""
    for clause in clauses:
        if NEGATED.search(clause) and not _REFUSAL.search(clause):
            named = _named(NEGATED.sub(" ", clause), steps, earliest=True)
            if named is not None:
                return named
    return None


def _unnamed_place(telling: _Telling, steps: list[KnownStep]) -> list[int]:
    """Where a telling that names no step of its own is decided: a branch going back closes the cycle
    after the last step ("hat er ne Wohnung, zieht er aus, sonst … geht von vorne los"); a branch that only
    ends ("dann geb ich ihm die Adresse und das war's") is the outcome of the first check."""
    count = len(steps)
    if not count:
        return []
    told, otherwise = _action(telling.consequence, steps, count), _action(telling.otherwise, steps, count)
    ends = told is not None and told[0] == "end"
    if ends and otherwise is not None and otherwise[0] == "loop" and otherwise[1] is not None \
            and otherwise[1] < count:
        return [count]
    if ends or (told is None and (_action(telling.later, steps, count) or ("",))[0] == "end"):
        checks = [i + 1 for i, s in enumerate(steps) if s.kind in ("check_formal", "check_content")]
        return checks[:1]
    return []


def place_decisions(text: str, steps: list[KnownStep]) -> list[Decision]:
    """Decisions for the conditional tellings of ``text`` on the known ``steps``."""
    count = len(steps)
    decisions: list[Decision] = []
    for telling in _tellings(text):
        places = _decided_at(telling, steps) or _unnamed_place(telling, steps)
        if not places:
            continue
        after = places[0]
        action = _action(telling.consequence, steps, after) or _action(telling.later, steps, after)
        other = _action(telling.otherwise, steps, after) if telling.otherwise else None
        if action is None and other is None:
            continue
        if len(places) > 1 and (action is None or action[0] != "end"):
            places = places[:1]  # one waiting is meant unless the telling ends every one of them
        for after in places:
            goto = action[1] if action else (after + 1 if after < count else None)
            following = after + 1 if after < count else None
            if action and action[0] == "jump" and goto == following:
                following = goto + 1 if goto < count else None  # "wenn was fehlt, fordere ich nach": else skips it
            if other is not None:
                following = other[1]
            if goto is None and following is None:
                continue
            _add(decisions, after, telling.condition, goto, following)
    return sorted(decisions, key=lambda d: d.after_step)


def _add(decisions: list[Decision], after: int, told: str, goto: int | None, following: int | None) -> None:
    """One decision per step: the told condition leads to ``goto``, anything else to ``following``."""
    if goto == following or any(d.after_step == after for d in decisions):
        return
    condition = re.sub(r"^\W*(?:(?:ja|und|also|aber|nur)\W+)*(?:wenn|falls|sofern)\s+", "", _joined(told),
                       flags=re.I).strip() or "ja"
    condition = re.sub(r"^(?:wenn|falls)'?s\s+", "es ", condition, flags=re.I)  # "wenn's ne Differenz gibt"
    condition = re.sub(r"^wer\s+", "jemand ", condition, flags=re.I)  # "wer über der Grenze liegt"
    question = as_question(condition)[:300]
    asked = question.rstrip("?").lower() != condition.lower()  # a yes/no question: its branches are ja and nein
    decisions.append(Decision(after_step=after, question=question,
                              branches=[Branch(condition="ja" if asked else condition[:300], goto_step=goto),
                                        Branch(condition="nein" if asked else "sonst", goto_step=following)]))


@dataclass(frozen=True)
class BranchStep:
    """A step the clerk names only as a decision's consequence ("wenn der Hund ein Listenhund ist, frag
    ich beim Ordnungsamt nach"): where it goes, the decision leading to it and the other branch."""

    position: int  # the number the new step gets
    after: int  # the step the condition is about, in the draft's numbering before the insertion
    condition: str
    words: str  # the clerk's words for the new step
    otherwise: int | None  # the other branch, in the numbering before the insertion


_BEFORE = re.compile(r"^\W*(?:und\s+)?(?:bevor|ehe)\b", re.IGNORECASE)


def _before_step(clauses: list[str], steps: list[KnownStep]) -> tuple[int | None, list[str]]:
    """The first step a "bevor die Berufungen rausgehen" clause names (the new step comes before anything
    about the Berufungen), and the clauses without it."""
    for index, clause in enumerate(clauses):
        if _BEFORE.match(clause):
            named = _named(_BEFORE.sub("", clause), steps, earliest=True)  # the first step about it
            return named, clauses[:index] + clauses[index + 1:]
    return None, clauses


def _doing(clauses: list[str]) -> str | None:
    """The first clause that tells an activity: asides ("und das ist eigentlich immer so", "also Listenhund")
    are passed over."""
    for clause in clauses:
        activities = [] if NEGATED.search(clause) else read_description(clause).activities
        if activities and activities[0].told_object and len(activities[0].label.split()) > 1:
            return clause  # a bare verb ("Klären", "Suchen") is too little for a step of its own
    return None


# "sonst wird's ja wieder gezogen": a reason given with "ja", not another branch.
_REASON = re.compile(r"^\W*(?:sonst|ansonsten|andernfalls)\b.*\bja\b", re.IGNORECASE)


_STILL = re.compile(r"\b(?:trotzdem|danach|anschließend|hinterher)\b", re.IGNORECASE)


def _still_done(clauses: list[str], steps: list[KnownStep]) -> int | None:
    """"Ins Portal trag ich's trotzdem noch ein": the known step that still follows the new one."""
    for clause in clauses:
        if _STILL.search(clause) and not NEGATED.search(clause):
            named = _named(clause, steps, earliest=True)
            if named is not None and named > 1:
                return named
    return None


def _known(clause: str, steps: list[KnownStep], after: int) -> bool:
    """The clause tells a step the draft has, an end or a way on; a step before the decision counts only when
    the clause says it goes back ("ruf … beim Bereitschaftsdienst an" is no return to "Anruf entgegennehmen")."""
    action = _action([clause], steps, after)
    return action is not None and (action[0] != "loop" or bool(_LOOPS.search(clause)))


def _ends_or_loops(clauses: list[str], steps: list[KnownStep], after: int) -> bool:
    """"… und das war's", "… und wir fangen von vorn an": the telling is an end or a loop, not a new step."""
    for clause in clauses:
        action = (_action([clause], steps, after) or ("",))[0]
        if action == "end" or action == "loop" and _LOOPS.search(clause):
            return True
    return False


def branch_step(text: str, steps: list[KnownStep]) -> BranchStep | None:
    """The first conditional telling whose consequence is an activity the draft does not have yet;
    None when the consequence names a known step, an end or a loop (those are decisions as they are).
    The decision sits at the step the condition is about, else at the first check; "bevor die Berufungen
    rausgehen" puts the new step before the step it names."""
    count = len(steps)
    checks = [i + 1 for i, s in enumerate(steps) if s.kind in ("check_formal", "check_content")]
    for telling in _tellings(text):
        before, clauses = _before_step(telling.consequence, steps)
        before_later, later = _before_step(telling.later, steps)
        before = before if before is not None else before_later
        doing = _doing(clauses)
        if doing is None:
            continue
        places = _decided_at(telling, steps)
        if not places and before is None:
            before = _still_done(later, steps)
        places = places or ([] if before is not None else checks[:1])
        after = places[0] if places else None
        if before is not None and (after is None or after >= before):
            after = before - 1
        if not after or _known(doing, steps, after) or _ends_or_loops(clauses + later, steps, after):
            continue  # a known step, an end or a loop: the decision reader places it
        otherwise = [c for c in telling.otherwise if not _REASON.search(c)]
        other = _action(otherwise, steps, after) if otherwise else None
        position = before if before is not None else after + 1
        following = before if before is not None else after + 1  # the step the new one comes before
        target = other[1] if other is not None else (following if following <= count else None)
        return BranchStep(position=position, after=after, condition=telling.condition, words=doing,
                          otherwise=target)
    return None
