"""Interview simulation (contract format).

    python -m bench.interview_sim --cases bench/cases --json
    python -m bench.interview_sim --cases bench/cases-natural --part dev --json
    python -m bench.interview_sim --cases bench/cases-natural --part test --json   # logged

A simulated clerk talks to a fresh Prozesslotse (demo corpus loaded, index
built) only through the HTTP API and only with the texts of each case: the
opening first; for a question about slot X it sends ``answers[X]`` (or
"Dazu kann ich nichts sagen."). When the assistant asks for the final
confirmation the clerk finishes the interview. Every case runs twice in the
same run: with retrieval and with retrieval switched off.

A proposed template is handled by one of two clerks (``--clerk``):

* ``legacy`` (default for ``bench/cases``, whose cases carry ``group``): says
  "Ja, das passt so." if the proposal's steps match the gold steps (step
  F1 ≥ 0.8), otherwise sends ``answers["steps"]``.
* ``natural`` (default for every other case set): accepts the template if its
  steps overlap the gold steps with step F1 ≥ 0.5 and then corrects the
  differences in German generated from the gold (steps that do not exist,
  missing steps after a named step, renamed steps), one to three corrections
  per message in varied phrasings chosen by a generator seeded with the
  case id, referring to steps by their label as shown in the proposal. The
  corrections are the clerk's next messages, whatever the assistant asks
  meanwhile; if the draft after the acceptance does not hold the template's
  steps (the assistant did not take it over), the clerk drops them. After the
  corrections, if the draft's decisions (in the numbering of the clerk's own
  steps) are not the gold decisions, it sends its own ``answers["decisions"]``
  (or says there are no branches). Below F1 0.5 it sends ``answers["steps"]``.
  Asked for the same slot a third time, it says "Dazu kann ich nichts sagen."

``--part dev|test`` selects a part of the split in ``<cases>/split.json``
(see ``bench/natural_split.py``); every run of the test part appends its
figures to ``<cases>/test-runs.jsonl``.

Scores: step precision/recall/F1 (a draft step matches a gold step when the
Dice coefficient of their stemmed content words is ≥ 0.5, order respected),
kind accuracy on matched steps, field accuracy (title, trigger, result and
org unit by the same similarity; IT systems and norms as sets with F1 ≥ 0.5;
volume and minutes within ±10 %), decision F1 (same step, same targets, in the
draft's own step numbers), aligned decision F1 (the same, with the draft's step
numbers mapped through the step alignment, so a step too many earlier on does
not count against every later decision), clerk words and turns, p95 turn latency.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402

from bench.sim_server import make_client  # noqa: E402  (shared set-up with bench/dialogue_eval.py)

from retrieval.german import stems  # noqa: E402

NOTHING = "Dazu kann ich nichts sagen."
ACCEPT = "Ja, das passt so."
MAX_TURNS = 40
LEGACY_ACCEPT_F1 = 0.8
NATURAL_ACCEPT_F1 = 0.5
REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


def similarity(a: str, b: str) -> float:
    sa, sb = set(stems(a)), set(stems(b))
    return 2 * len(sa & sb) / (len(sa) + len(sb)) if sa and sb else 0.0


def align(pred: list[str], gold: list[str], threshold: float = 0.5) -> list[tuple[int, int]]:
    """Order-preserving alignment maximising the number of matched steps."""
    n, m = len(pred), len(gold)
    match = [[similarity(p, g) >= threshold for g in gold] for p in pred]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1], 1 + best[i + 1][j + 1] if match[i][j] else 0)
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if match[i][j] and best[i][j] == 1 + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def f1(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _set_match(pred: list[str], gold: list[str]) -> bool:
    if not gold:
        return not pred
    norm = lambda s: re.sub(r"\s+", " ", s.lower()).strip()  # noqa: E731
    hits_gold = sum(any(norm(g) in norm(p) or norm(p) in norm(g) for p in pred) for g in gold)
    hits_pred = sum(any(norm(g) in norm(p) or norm(p) in norm(g) for g in gold) for p in pred)
    precision = hits_pred / len(pred) if pred else 0.0
    recall = hits_gold / len(gold)
    return precision + recall > 0 and 2 * precision * recall / (precision + recall) >= 0.5


def _close(value: float | None, gold: float | None) -> bool:
    if gold is None:
        return value is None
    return value is not None and abs(value - gold) <= 0.1 * gold


def field_scores(draft: dict[str, Any], gold: dict[str, Any]) -> dict[str, bool]:
    text = lambda key: similarity(draft.get(key) or "", gold.get(key) or "") >= 0.5 if gold.get(key) else not draft.get(key)  # noqa: E731
    return {
        "title": text("title"), "trigger": text("trigger"), "result": text("result"), "org_unit": text("org_unit"),
        "it_systems": _set_match(draft.get("it_systems") or [], gold.get("it_systems") or []),
        "legal_basis": _set_match(draft.get("legal_basis") or [], gold.get("legal_basis") or []),
        "case_volume_per_year": _close(draft.get("case_volume_per_year"), gold.get("case_volume_per_year")),
        "minutes_per_case": _close(draft.get("minutes_per_case"), gold.get("minutes_per_case")),
    }


def decision_counts(draft: list[dict], gold: list[dict]) -> tuple[int, int, int]:
    key = lambda d: (d["after_step"], tuple(sorted((b["goto_step"] or 0) for b in d["branches"])))  # noqa: E731
    pred, want = {key(d) for d in draft}, {key(d) for d in gold}
    return len(pred & want), len(pred), len(want)


def aligned_decision_counts(draft: list[dict], gold: list[dict], pairs: list[tuple[int, int]]) -> tuple[int, int, int]:
    """Decisions compared through the step alignment: the draft's step numbers are mapped to the gold steps they
    match, so an extra or missing step earlier does not make every later decision wrong (step F1 counts that
    already). A decision after, or a branch to, a step without a match cannot match."""
    to_gold = {i + 1: j + 1 for i, j in pairs}
    mapped = set()
    for d in draft:
        after = to_gold.get(d["after_step"])
        targets = tuple(sorted(to_gold.get(b["goto_step"], -1) if b["goto_step"] else 0 for b in d["branches"]))
        if after is not None and -1 not in targets:
            mapped.add((after, targets))
    want = {(d["after_step"], tuple(sorted((b["goto_step"] or 0) for b in d["branches"]))) for d in gold}
    return len(mapped & want), len(draft), len(gold)


def proposed_steps(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"(?m)^\d+\.\s+(.+)$", text)]


class ServerError(RuntimeError):
    """The assistant answered with a server error; the interview stops there and counts as failed."""


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


# -- the natural clerk's corrections of a template ---------------------------------------------------

@dataclass
class Difference:
    """One difference between a proposed template and the clerk's own (gold) steps."""

    kind: str  # delete | insert | rename
    template: str | None = None  # the template step concerned (delete, rename)
    gold: list[str] = field(default_factory=list)  # the clerk's own step(s) (insert, rename)
    anchor: str | None = None  # insert: the step (as the clerk now sees it) after which the steps come
    before: str | None = None  # insert at the very start: the step before which they come


def template_differences(proposal: list[str], gold: list[str]) -> list[Difference]:
    """Deletions, insertions and renamings that turn ``proposal`` into ``gold``, in list order.

    Steps are matched as in the scoring (order-preserving, label similarity ≥ 0.5). Between two
    matched steps, unmatched template steps and unmatched gold steps are paired in order as
    renamings; what is left over is deleted (template) or inserted after the last step before the
    gap (gold).
    """
    differences: list[Difference] = []
    previous_t, previous_g = -1, -1
    for t, g in align(proposal, gold) + [(len(proposal), len(gold))]:
        t_gap, g_gap = proposal[previous_t + 1:t], gold[previous_g + 1:g]
        paired = min(len(t_gap), len(g_gap))
        for a in range(paired):
            differences.append(Difference("rename", template=t_gap[a], gold=[g_gap[a]]))
        for label in t_gap[paired:]:
            differences.append(Difference("delete", template=label))
        rest = g_gap[paired:]
        if rest:
            if paired:
                anchor = g_gap[paired - 1]  # just renamed: the clerk calls it by its own name
            elif previous_t >= 0:
                anchor = proposal[previous_t]  # as shown in the proposal
            else:
                anchor = None
            if anchor is None:
                following = proposal[t] if t < len(proposal) else None
                differences.append(Difference("insert", gold=rest, before=following))
            else:
                differences.append(Difference("insert", gold=rest, anchor=anchor))
        previous_t, previous_g = t, g
    return differences


_DELETE = [
    "Den Schritt „{t}“ gibt es bei uns nicht.",
    "„{t}“ machen wir nicht, das fällt bei uns weg.",
    "„{t}“ brauchen wir nicht.",
    "Das mit „{t}“ gibt's bei uns gar nicht.",
    "„{t}“ können Sie streichen, das macht bei uns keiner.",
]
_INSERT = [
    "Nach „{a}“ kommt bei uns noch: {items}.",
    "Nach „{a}“ fehlt was, da müssen wir noch {items}.",
    "Hinter „{a}“ gehört bei uns noch {quoted} rein.",
    "Nach „{a}“ machen wir außerdem noch: {items}.",
    "Was bei Ihnen fehlt: nach „{a}“ noch {items}.",
]
_INSERT_FIRST = [
    "Ganz am Anfang, vor „{b}“, kommt bei uns noch: {items}.",
    "Bevor wir „{b}“ machen, müssen wir erst {items}.",
    "Vor „{b}“ fehlt bei uns noch was: {items}.",
]
_INSERT_END = [
    "Zum Schluss kommt bei uns noch: {items}.",
    "Am Ende müssen wir noch {items}.",
]
_RENAME = [
    "„{t}“ heißt bei uns „{g}“.",
    "Statt „{t}“ machen wir: {g}.",
    "„{t}“ ist bei uns eher: {g}.",
    "Bei „{t}“ ist es bei uns eigentlich so: {g}.",
    "Anstelle von „{t}“ steht bei uns: {g}.",
]
_JOIN = ["", "", "Und ", "Ach ja, und ", "Noch was: ", "Dann noch: "]
_ACCEPT_PARTLY = [
    "Ja, im Großen und Ganzen passt das.",
    "Ja, so ungefähr läuft das bei uns auch.",
    "Ja, das passt weitgehend.",
    "Genau, so ähnlich machen wir das.",
    "Im Großen und Ganzen ja.",
]
_BUT = ["Ein paar Sachen sind bei uns aber anders.", "Aber nicht ganz.", "Ein paar Kleinigkeiten sind anders."]
_DECISIONS = ["Noch zu den Verzweigungen: ", "Was die Entscheidungen angeht: ", "Und zu den Fällen, wo es anders läuft: "]
NO_BRANCHES = "Verzweigungen gibt es bei uns übrigens keine, das läuft immer gleich."


_LOWER_FIRST = {"über", "bei", "mit", "an", "auf", "für", "in", "im", "am", "vom", "zum", "zur", "von", "nach", "vor",
                "den", "die", "das", "der", "dem", "des", "ein", "eine", "einen", "alle", "ggf.", "gegebenenfalls"}


def in_sentence(label: str) -> str:
    """A step label as it reads inside a sentence: a leading preposition, article or adjective in lower case
    ("Fehlende Angaben erfragen" → "fehlende Angaben erfragen"), a leading noun unchanged."""
    parts = label.split(" ", 2)
    first = parts[0]
    if not first[:1].isupper() or len(parts) < 2:
        return label
    adjective = bool(re.search(r"(?:e|en|er|es|em)$", first)) and parts[1][:1].isupper() and len(first) > 3
    if first.lower() in _LOWER_FIRST or adjective:
        return first.lower() + label[len(first):]
    return label


def _items(labels: list[str]) -> str:
    labels = [in_sentence(label) for label in labels]
    if len(labels) == 1:
        return labels[0]
    if len(labels) == 2:
        return f"{labels[0]} und danach {labels[1]}"
    return ", dann ".join(labels[:-1]) + f" und zum Schluss {labels[-1]}"


def _quoted(labels: list[str]) -> str:
    marks = [f"„{label}“" for label in labels]
    return marks[0] if len(marks) == 1 else ", ".join(marks[:-1]) + f" und {marks[-1]}"


class _Picker:
    """Chooses phrasings from a seeded generator without repeating the last choice of a list."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.last = rng, {}

    def __call__(self, options: list[str]) -> str:
        choices = [o for o in options if o != self.last.get(id(options))] or options
        choice = self.rng.choice(choices)
        self.last[id(options)] = choice
        return choice


def correction_sentence(difference: Difference, pick: _Picker) -> str:
    if difference.kind == "delete":
        return pick(_DELETE).format(t=difference.template)
    if difference.kind == "rename":
        return pick(_RENAME).format(t=difference.template, g=in_sentence(difference.gold[0]))
    items, quoted = _items(difference.gold), _quoted(difference.gold)
    if difference.anchor is not None:
        return pick(_INSERT).format(a=difference.anchor, items=items, quoted=quoted)
    if difference.before is not None:
        return pick(_INSERT_FIRST).format(b=difference.before, items=items)
    return pick(_INSERT_END).format(items=items)


def correction_messages(differences: list[Difference], seed: str) -> list[str]:
    """The clerk's messages after seeing the template: acceptance first, then the corrections.

    Deterministic for a seed (the case id). One to three corrections per message; the acceptance
    carries the first correction or announces that some things differ.
    """
    rng = random.Random(seed)
    pick = _Picker(rng)
    if not differences:
        return [ACCEPT]
    sentences = [correction_sentence(d, pick) for d in differences]
    accept = pick(_ACCEPT_PARTLY)
    if rng.random() < 0.5:
        messages = [f"{accept} {sentences.pop(0)}"]
    else:
        messages = [f"{accept} {pick(_BUT)}"]
    while sentences:
        size = min(len(sentences), rng.choice([1, 1, 2, 2, 3]))
        batch, sentences = sentences[:size], sentences[size:]
        text = batch[0]
        for sentence in batch[1:]:
            join = pick(_JOIN)
            text += " " + (join + sentence[0].lower() + sentence[1:] if join and sentence[0] not in "„" else
                           join + sentence)
        messages.append(text)
    return messages


def _mapped_decisions(decisions: list[dict], pairs: list[tuple[int, int]]) -> set[tuple]:
    """Template decisions in the numbering of the gold steps (unmatched steps drop the decision)."""
    to_gold = {t + 1: g + 1 for t, g in pairs}
    mapped = set()
    for decision in decisions:
        after = to_gold.get(decision["after_step"])
        targets = [b["goto_step"] for b in decision["branches"]]
        if after is None or any(t is not None and t not in to_gold for t in targets):
            continue
        mapped.add((after, tuple(sorted(to_gold[t] if t is not None else 0 for t in targets))))
    return mapped


def decision_message(case: dict[str, Any], draft: dict[str, Any], seed: str) -> str | None:
    """What the clerk adds about branches once its step corrections are sent, or None.

    The clerk looks at the draft (as in the draft panel): if its decisions, in the numbering of the
    clerk's own steps, are not the clerk's, it states its own branches (or that there are none).
    """
    gold = case["gold"].get("decisions", [])
    want = {(d["after_step"], tuple(sorted((b["goto_step"] or 0) for b in d["branches"]))) for d in gold}
    pairs = align([s["label"] for s in draft.get("steps", [])], [s["label"] for s in case["gold"]["steps"]])
    have = draft.get("decisions") or []
    if _mapped_decisions(have, pairs) == want and len(have) == len(want):
        return None
    if not gold:
        return NO_BRANCHES if have else None
    answer = case["answers"].get("decisions")
    if not answer:
        return None
    return random.Random(seed + ":decisions").choice(_DECISIONS) + answer


_OFFER = re.compile(r"In (?P<place>.+?) ist ein ähnlicher Ablauf dokumentiert: „(?P<title>.+?)“")
_CORPUS_KEYS: dict[tuple[str, str], str] | None = None


def corpus_keys(root: Path = CORPUS) -> dict[tuple[str, str], str]:
    """(municipality name, profile title) → process key of the demo corpus."""
    global _CORPUS_KEYS
    if _CORPUS_KEYS is None:
        import yaml

        names = {m["slug"]: m["name"] for m in yaml.safe_load((root / "municipalities.yaml").read_text("utf-8"))}
        _CORPUS_KEYS = {}
        for path in sorted((root / "profiles").glob("*/*.yaml")):
            title = yaml.safe_load(path.read_text("utf-8")).get("title", "")
            _CORPUS_KEYS[(names.get(path.parent.name, path.parent.name), title)] = path.stem
    return _CORPUS_KEYS


def offered_key(reply: dict[str, Any]) -> str | None:
    """Process key of the template an offer proposes (from the offer text, else the first suggestion)."""
    match = _OFFER.search(reply.get("text", ""))
    if match:
        key = corpus_keys().get((match.group("place"), match.group("title")))
        if key:
            return key
        for suggestion in reply.get("suggestions") or []:
            if suggestion.get("title") == match.group("title") and (suggestion.get("external_id") or "").count(":") == 2:
                return suggestion["external_id"].split(":")[2]
    for suggestion in reply.get("suggestions") or []:
        if (suggestion.get("external_id") or "").count(":") == 2:
            return suggestion["external_id"].split(":")[2]
    return None


def case_corpus_key(case: dict[str, Any]) -> str | None:
    if "corpus_key" in case:
        return case["corpus_key"]
    source = case.get("template_source")
    return Path(source).stem if source else None


def case_in_corpus(case: dict[str, Any]) -> bool:
    return bool(case["in_corpus"]) if "in_corpus" in case else bool(case.get("template_source"))


def family(key: str | None) -> str | None:
    return key.split("-")[0] if key else None


class Clerk:
    """Plays one case through the API (``mode``: how a proposed template is handled, see above)."""

    def __init__(self, client: httpx.Client, headers: dict[str, str], case: dict[str, Any],
                 mode: str = "legacy") -> None:
        self.client, self.headers, self.case, self.mode = client, headers, case, mode
        self.words = 0
        self.turns = 0
        self.latencies: list[float] = []
        self.accepted_template = False
        self.offered: str | None = None  # process key of the first template offered
        self.offered_f1: float | None = None
        self.corrections = 0
        self.template_dropped = False  # accepted, but the assistant did not take the template over
        self.error: str | None = None
        self.last_draft: dict[str, Any] = {}
        self.transcript: list[tuple[str, str]] = []

    def say(self, interview_id: int, text: str) -> dict[str, Any]:
        self.words += words(text)
        self.turns += 1
        self.transcript.append(("clerk", text))
        started = time.perf_counter()
        response = self.client.post(f"/api/interviews/{interview_id}/messages", json={"text": text},
                                    headers=self.headers)
        self.latencies.append((time.perf_counter() - started) * 1000)
        degraded = response.status_code == 200 and bool(response.json().get("degraded"))
        if response.status_code >= 500 or degraded:
            what = "degraded reply" if degraded else f"HTTP {response.status_code}"
            self.transcript.append(("assistant", f"[{what}]"))
            raise ServerError(f"{what} on clerk turn {self.turns}")
        if response.status_code != 200:
            raise RuntimeError(f"{self.case['case_id']}: {response.status_code} {response.text}")
        body = response.json()
        self.transcript.append(("assistant", body["reply"]["text"]))
        self.last_draft = body["draft"]
        return body

    def on_template(self, reply: dict[str, Any]) -> list[str]:
        """The clerk's messages in answer to a proposed template."""
        proposal = proposed_steps(reply["text"])
        gold_labels = [s["label"] for s in self.case["gold"]["steps"]]
        _, _, score = f1(len(align(proposal, gold_labels)), len(proposal), len(gold_labels))
        if self.offered is None:
            self.offered, self.offered_f1 = offered_key(reply), round(score, 3)
        steps = self.case["answers"].get("steps", NOTHING)
        if self.mode == "legacy":
            if score >= LEGACY_ACCEPT_F1:
                self.accepted_template = True
                return [ACCEPT]
            return [steps]
        if score < NATURAL_ACCEPT_F1:
            return [steps]
        self.accepted_template = True
        differences = template_differences(proposal, gold_labels)
        self.corrections += len(differences)
        return correction_messages(differences, self.case["case_id"])

    def on_comparison(self, reply: dict[str, Any]) -> str:
        """The clerk's answer when its own steps are compared with a template's additional steps:
        it confirms those that are gold steps, by name, and says no to the rest."""
        if self.offered is None:
            self.offered = offered_key(reply)
        extras = [m.group(1).strip() for m in re.finditer(r"(?m)^-\s+(.+)$", reply["text"])]
        single = re.search(r"außerdem „(.+?)“ gemacht", reply["text"])
        if single:
            extras = [single.group(1)]
        gold = [s["label"] for s in self.case["gold"]["steps"]]
        wanted = [e for e in extras if any(similarity(e, g) >= 0.5 for g in gold)]
        if not wanted:
            return "Nein, davon machen wir nichts."
        self.accepted_template = True
        return "Ja, " + _quoted(wanted) + " machen wir auch."

    def run(self, retrieval: bool) -> dict[str, Any]:
        start = self.client.post("/api/interviews", json={"retrieval": retrieval}, headers=self.headers)
        start.raise_for_status()
        interview = start.json()
        self.transcript.append(("assistant", interview["messages"][0]["text"]))
        self.last_draft = interview["draft"]
        try:
            self._dialogue(interview["id"])
        except ServerError as exc:
            self.error = str(exc)  # scored with the last draft the assistant returned
        finished = self.client.post(f"/api/interviews/{interview['id']}/finish", headers=self.headers)
        if self.error is None:
            finished.raise_for_status()
        return self.last_draft

    def _dialogue(self, interview_id: int) -> None:
        interview = {"id": interview_id}
        body = self.say(interview_id, self.case["opening"])
        pending: list[str] = []  # corrections of an accepted template, sent before anything else
        proposal: list[str] = []
        check_adoption = check_decisions = False
        answered: dict[str, int] = {}
        for _ in range(MAX_TURNS):
            slot = body["reply"]["slot"]
            if slot is None:
                break
            if check_adoption:
                # The clerk sees the draft: if the template was not taken over, there is nothing to correct.
                check_adoption = False
                draft_labels = [s["label"] for s in body["draft"].get("steps", [])]
                adopted = bool(proposal) and f1(len(align(draft_labels, proposal)), len(draft_labels),
                                                len(proposal))[2] >= NATURAL_ACCEPT_F1
                if not adopted:
                    self.template_dropped = True
                    pending, check_decisions = [], False
            if pending:
                body = self.say(interview["id"], pending.pop(0))
                continue
            if check_decisions:
                check_decisions = False
                extra = decision_message(self.case, body["draft"], self.case["case_id"])
                if extra:
                    body = self.say(interview["id"], extra)
                    continue
            if slot == "confirm":
                break
            if slot == "compare_template":
                body = self.say(interview["id"], self.on_comparison(body["reply"]))
                continue
            if slot == "confirm_template":
                proposal = proposed_steps(body["reply"]["text"])
                messages = self.on_template(body["reply"])
                body = self.say(interview["id"], messages[0])
                if self.mode == "natural" and self.accepted_template:
                    pending, check_adoption, check_decisions = messages[1:], True, True
                continue
            answered[slot] = answered.get(slot, 0) + 1
            if self.mode == "natural" and answered[slot] > 2:
                body = self.say(interview["id"], NOTHING)  # asked the same thing a third time: gives up
                continue
            body = self.say(interview["id"], self.case["answers"].get(slot, NOTHING))


def clerk_mode(cases: list[dict[str, Any]], requested: str = "auto") -> str:
    """``legacy`` for the regression set (cases with ``group``), ``natural`` otherwise, unless requested."""
    if requested != "auto":
        return requested
    return "legacy" if cases and all("group" in c for c in cases) else "natural"


def _p95(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged quality figures over per-case rows (with their raw counts)."""
    total = lambda key: sum(r["_counts"][key] for r in rows)  # noqa: E731
    precision, recall, step_f1 = f1(total("tp"), total("pred"), total("gold"))
    _, _, decision_f1 = f1(total("dtp"), total("dpred"), total("dgold"))
    _, _, aligned_decision_f1 = f1(total("atp"), total("dpred"), total("dgold"))
    kind_n, fields_n = total("kind_n"), total("fields_n")
    with_words, without_words = total("words_with"), total("words_without")
    return {
        "cases": len(rows),
        "step_precision": round(precision, 4), "step_recall": round(recall, 4), "step_f1": round(step_f1, 4),
        "kind_accuracy": round(total("kind_ok") / kind_n, 4) if kind_n else 0.0,
        "field_accuracy": round(total("fields") / fields_n, 4) if fields_n else 0.0,
        "decision_f1": round(decision_f1, 4), "decision_f1_aligned": round(aligned_decision_f1, 4),
        "clerk_words_with_retrieval": with_words, "clerk_words_without_retrieval": without_words,
        "word_ratio_with_to_without": round(with_words / without_words, 4) if without_words else 0.0,
        "turns_with_retrieval": total("turns_with"), "turns_without_retrieval": total("turns_without"),
    }


def evaluate(cases: list[dict[str, Any]], client: httpx.Client, headers: dict[str, str],
             clerk: str = "auto") -> dict[str, Any]:
    mode = clerk_mode(cases, clerk)
    rows, latencies, transcripts = [], [], {}
    for case in cases:
        in_corpus = case_in_corpus(case)
        runs = {}
        for retrieval in (True, False):
            player = Clerk(client, headers, case, mode)
            runs[retrieval] = (player, player.run(retrieval))
            latencies.extend(player.latencies)
        player, draft = runs[True]  # quality is scored on the product as used: with retrieval
        transcripts[case["case_id"]] = player.transcript
        gold = case["gold"]
        pred_steps, gold_steps = draft["steps"], gold["steps"]
        pairs = align([s["label"] for s in pred_steps], [s["label"] for s in gold_steps])
        kind_ok = sum(pred_steps[i]["kind"] == gold_steps[j]["kind"] for i, j in pairs)
        fields = field_scores(draft, gold)
        dtp, dpred, dgold = decision_counts(draft["decisions"], gold.get("decisions", []))
        atp = aligned_decision_counts(draft["decisions"], gold.get("decisions", []), pairs)[0]
        want = case_corpus_key(case)
        offered = player.offered
        rows.append({
            "case_id": case["case_id"], "in_corpus": in_corpus,
            "template_offered": offered, "template_right": bool(offered and want and offered == want),
            "template_same_family": bool(offered and want and family(offered) == family(want)),
            "template_step_f1": player.offered_f1,
            "template_accepted": player.accepted_template, "template_dropped": player.template_dropped,
            "corrections": player.corrections, "error": player.error or runs[False][0].error,
            "step_f1": round(f1(len(pairs), len(pred_steps), len(gold_steps))[2], 3),
            "kind_accuracy": round(kind_ok / len(pairs), 3) if pairs else 0.0,
            "fields_wrong": [k for k, ok in fields.items() if not ok],
            "decisions": [dtp, dpred, dgold],
            "words": [player.words, runs[False][0].words], "turns": [player.turns, runs[False][0].turns],
            "_counts": {"tp": len(pairs), "pred": len(pred_steps), "gold": len(gold_steps), "kind_ok": kind_ok,
                        "kind_n": len(pairs), "fields": sum(fields.values()), "fields_n": len(fields),
                        "dtp": dtp, "atp": atp, "dpred": dpred, "dgold": dgold,
                        "words_with": player.words, "words_without": runs[False][0].words,
                        "turns_with": player.turns, "turns_without": runs[False][0].turns},
        })
    report = _summary(rows)
    inside = [r for r in rows if r["in_corpus"]]
    outside = [r for r in rows if not r["in_corpus"]]
    in_with = sum(r["_counts"]["words_with"] for r in inside)
    in_without = sum(r["_counts"]["words_without"] for r in inside)
    offered = [r for r in rows if r["template_offered"]]
    right = sum(r["template_right"] for r in offered)
    report.update({
        "clerk": mode,
        "in_corpus_words_with_retrieval": in_with, "in_corpus_words_without_retrieval": in_without,
        "in_corpus_word_reduction": round(1 - in_with / in_without, 4) if in_without else 0.0,
        "in_corpus_word_ratio": round(in_with / in_without, 4) if in_without else 0.0,
        "p95_turn_ms": round(_p95(latencies), 1),
        "p50_turn_ms": round(sorted(latencies)[len(latencies) // 2], 1) if latencies else 0.0,
        "turn_count": len(latencies),
        "errors": sum(bool(r["error"]) for r in rows),
        "error_cases": [r["case_id"] for r in rows if r["error"]],
        "templates": {
            "offered": len(offered), "right": right, "wrong": len(offered) - right,
            "precision_at_1": round(right / len(offered), 4) if offered else 0.0,
            "same_family_at_1": round(sum(r["template_same_family"] for r in offered) / len(offered), 4)
            if offered else 0.0,
            "offered_right_of_in_corpus": round(sum(r["template_right"] for r in inside) / len(inside), 4)
            if inside else 0.0,
            "wrong_offered_in_corpus": sum(bool(r["template_offered"]) and not r["template_right"] for r in inside),
            "wrong_offered_not_in_corpus": sum(bool(r["template_offered"]) for r in outside),
            "accepted": sum(r["template_accepted"] for r in rows),
            "accepted_not_taken_over": sum(r["template_dropped"] for r in rows),
            "corrections_generated": sum(r["corrections"] for r in rows),
        },
        "by_corpus": {"in_corpus": _summary(inside), "not_in_corpus": _summary(outside)},
    })
    for r in rows:
        r.pop("_counts")
    report["per_case"] = rows
    report["transcripts"] = transcripts
    return report


def load_cases(directory: Path, part: str | None = None) -> list[dict[str, Any]]:
    """The cases of a directory (also in its sub-folders), optionally one part of ``split.json``."""
    cases = []
    for path in sorted(directory.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "case_id" in data and "gold" in data:
            cases.append(data)
    cases.sort(key=lambda c: c["case_id"])
    if part is None:
        return cases
    manifest = directory / "split.json"
    if not manifest.exists():
        raise SystemExit(f"--part needs {manifest}")
    wanted = set(json.loads(manifest.read_text(encoding="utf-8"))[part])
    chosen = [c for c in cases if c["case_id"] in wanted]
    if len(chosen) != len(wanted):
        raise SystemExit(f"{manifest}: {len(wanted) - len(chosen)} case(s) of part {part!r} not found")
    return chosen


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def log_test_run(path: Path, argv: list[str], report: dict[str, Any]) -> dict[str, Any]:
    """Append one line for a run of the test part: date, commit, command, figures (no per-case data)."""
    commit = _git("rev-parse", "HEAD") or "unknown"
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "--", "app", "bench", "retrieval",
                      "corpus", "prompts"))
    entry = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "commit": commit + ("+uncommitted" if dirty else ""),
             "command": "python -m bench.interview_sim " + " ".join(argv),
             "figures": {k: v for k, v in report.items() if k not in ("per_case", "transcripts")}}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def transcripts_markdown(report: dict[str, Any], title: str) -> str:
    """Worst, median and best case by step F1 (ties by case id), with their transcripts."""
    rows = sorted(report["per_case"], key=lambda r: (r["step_f1"], r["case_id"]))
    chosen = [("worst", rows[0]), ("median", rows[(len(rows) - 1) // 2]), ("best", rows[-1])]
    out = [f"# {title}", ""]
    for name, row in chosen:
        out += [f"## {name}: {row['case_id']} (step F1 {row['step_f1']}, kind accuracy {row['kind_accuracy']}, "
                f"decisions tp/pred/gold {row['decisions']}, in corpus: {row['in_corpus']}, template offered: "
                f"{row['template_offered'] or '—'}, accepted: {row['template_accepted']})", "",
                f"Wrong fields: {', '.join(row['fields_wrong']) or 'none'}. Clerk words with / without retrieval: "
                f"{row['words'][0]} / {row['words'][1]}.", ""]
        for role, text in report["transcripts"][row["case_id"]]:
            who = "Sachbearbeitung" if role == "clerk" else "Prozesslotse"
            body = "\n".join("> " + line if line else ">" for line in text.splitlines())
            out += [f"**{who}:**", "", body, ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, required=True)
    parser.add_argument("--part", choices=["dev", "test"], help="one part of <cases>/split.json")
    parser.add_argument("--clerk", choices=["auto", "legacy", "natural"], default="auto",
                        help="how the simulated clerk treats a proposed template (auto: legacy for bench/cases)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--details", action="store_true", help="include per-case scores and transcripts")
    parser.add_argument("--transcripts", type=Path, help="write worst/median/best transcripts (Markdown) here")
    args = parser.parse_args(argv)
    cases = load_cases(args.cases, args.part)
    if not cases:
        raise SystemExit(f"no cases in {args.cases}")
    with tempfile.TemporaryDirectory(prefix="pl-sim-") as tmp:
        client, headers, app = make_client(Path(tmp))
        report = evaluate(cases, client, headers, clerk=args.clerk)
        client.close()
        app.extensions["prozesslotse.db"].dispose()
    if args.part:
        report = {"part": args.part, **report}
    if args.transcripts:
        label = f"{args.cases}{' part ' + args.part if args.part else ''}"
        args.transcripts.write_text(transcripts_markdown(report, f"Transcripts: {label}") + "\n", encoding="utf-8")
    if args.part == "test":
        log_test_run(args.cases / "test-runs.jsonl", argv, report)
    if not args.details:
        report.pop("per_case")
        report.pop("transcripts")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            if key not in ("per_case", "transcripts"):
                print(f"{key:36} {value}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
