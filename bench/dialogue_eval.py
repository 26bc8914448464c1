"""Dialogue checks on blind scripted conversations (issue 15).

    python -m bench.dialogue_eval --part dev --json
    python -m bench.dialogue_eval --part test --json      # also appends a line to bench/dialogues/test-runs.jsonl
    python -m bench.dialogue_eval --dialogues bench/dialogues/v1 --part all --json [--details]   # validation set

Every scripted dialogue (``bench/dialogues/d1/*.json``, format in ``bench/dialogues/README.md``) is
played against a fresh Prozesslotse (demo corpus loaded, index built; ``bench.sim_server``) through the
HTTP API only: one interview per dialogue, the clerk's messages in order. A message with
``in_reply_to`` is sent with ``answer_to`` = that slot, so the assistant treats it as the answer to that
question whatever it asked itself; ``null`` (the opening, remarks on the clerk's own initiative) is sent
without ``answer_to``. After each message every check of that turn is evaluated on the draft and the
reply returned for it. A dialogue passes when all its checks hold.

Report: per dialogue pass/fail, pass rates per check type, per situation (``tests``) and by
``in_corpus``, the overall dialogue pass rate. For the test part the report names failing dialogues but
not which checks failed (``--details`` is refused), so that the engine is not tuned on it.

The split into development and test parts is fixed in ``bench/dialogues/split.json``;
``--write-split`` recomputes it (stratified by ``in_corpus``, ordered by a SHA-256 of the dialogue id).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIALOGUES = ROOT / "bench" / "dialogues"
SPLIT_FILE = DIALOGUES / "split.json"
TEST_RUNS = DIALOGUES / "test-runs.jsonl"
SPLIT_SALT = "dialogue-split"
TEST_FRACTION = 0.45

TEXT_FIELDS = ("title", "trigger", "result", "customer", "org_unit", "description", "waiting", "exceptions")
NUMBER_FIELDS = ("minutes_per_case", "case_volume_per_year")
LIST_FIELDS = ("participants", "it_systems", "legal_basis", "documents")
CHECK_TYPES = (
    "steps_min", "steps_max", "step_mentions", "no_step_mentions", "step_order", "step_kind", "step_actor",
    "field_equals", "field_between", "field_contains", "field_not_contains", "field_max_words", "field_empty",
    "field_not_empty", "list_contains", "list_not_contains", "decisions_min", "decisions_max",
    "decision_after_mention", "reply_contains", "reply_not_contains", "template_consistent", "no_template_adopted",
)


# -- checks -----------------------------------------------------------------------------------------
def _alternatives(pattern: str) -> list[str]:
    return [a.strip().lower() for a in str(pattern).split("|") if a.strip()]


def mentions(text: str | None, pattern: str) -> bool:
    """Case-insensitive substring match; ``a|b`` = a or b."""
    low = (text or "").lower()
    return any(a in low for a in _alternatives(pattern))


def _first_step(draft: dict[str, Any], pattern: str) -> dict[str, Any] | None:
    return next((s for s in draft.get("steps") or [] if mentions(s.get("label"), pattern)), None)


def _labels(draft: dict[str, Any]) -> list[str]:
    return [s.get("label") or "" for s in draft.get("steps") or []]


def _field_text(value: Any) -> str:
    if isinstance(value, list):
        return " ; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _norm_label(label: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", label.lower())).strip()


def template_offered(reply: dict[str, Any]) -> bool:
    """The reply offers another town's version: it asks to confirm one, or names a card's process or town."""
    if reply.get("slot") == "confirm_template":
        return True
    text = (reply.get("text") or "").lower()
    for card in reply.get("suggestions") or []:
        if (card.get("title") and card["title"].lower() in text) or (
                card.get("municipality") and re.search(rf"\b{re.escape(card['municipality'].lower())}\b", text)):
            return True
    return False


def template_consistent(reply: dict[str, Any]) -> tuple[bool, str]:
    """If the reply offers a template, the text names the first card's town, and its process: always when
    asking to confirm a template, else whenever the text names another card's process instead."""
    if not template_offered(reply):
        return True, "no template offered"
    cards = reply.get("suggestions") or []
    if not cards:
        return False, "template offered in the text but no suggestion card shown"
    text = (reply.get("text") or "").lower()
    first = cards[0]
    town, title = (first.get("municipality") or "").lower(), (first.get("title") or "").lower()
    if town and town not in text:
        return False, f"the text does not name the first card's town ({first.get('municipality')})"
    others = [c.get("title") for c in cards[1:] if c.get("title") and c["title"].lower() in text
              and c["title"].lower() != title]
    if title and title not in text and (others or reply.get("slot") == "confirm_template"):
        return False, f"first card is {first.get('title')!r}, the text offers another process"
    return True, "text and first card agree"


def no_template_adopted(draft: dict[str, Any], template_labels: list[list[str]]) -> tuple[bool, str]:
    """The clerk's steps were not replaced: at most half of the draft's steps carry a label of an offered template."""
    labels = [_norm_label(x) for x in _labels(draft)]
    if not labels:
        return False, "draft has no steps"
    for offered in template_labels:
        known = {_norm_label(x) for x in offered}
        same = sum(label in known for label in labels)
        if known and same * 2 > len(labels):
            return False, f"{same} of {len(labels)} step labels are the template's"
    return True, f"{len(labels)} steps, none mostly from a template"


def evaluate_check(check: dict[str, Any], draft: dict[str, Any], reply: dict[str, Any],
                   template_labels: list[list[str]] | None = None) -> tuple[bool, str]:
    """One check against the draft and the reply after a turn: (holds, short explanation)."""
    if len(check) != 1:
        raise ValueError(f"a check has exactly one key: {check}")
    (kind, arg), = check.items()
    steps = draft.get("steps") or []
    labels = _labels(draft)
    if kind == "steps_min":
        return len(steps) >= arg, f"{len(steps)} steps"
    if kind == "steps_max":
        return len(steps) <= arg, f"{len(steps)} steps"
    if kind == "step_mentions":
        missing = [p for p in arg if not any(mentions(x, p) for x in labels)]
        return not missing, f"missing {missing}" if missing else "all mentioned"
    if kind == "no_step_mentions":
        found = [p for p in arg if any(mentions(x, p) for x in labels)]
        return not found, f"still mentioned {found}" if found else "none mentioned"
    if kind == "step_order":
        positions = []
        for p in arg:
            step = next((i for i, x in enumerate(labels) if mentions(x, p)), None)
            if step is None:
                return False, f"no step mentions {p!r}"
            positions.append(step)
        ok = all(a < b for a, b in zip(positions, positions[1:]))
        return ok, f"positions {[i + 1 for i in positions]}"
    if kind in ("step_kind", "step_actor"):
        step = _first_step(draft, arg["mention"])
        if step is None:
            return False, f"no step mentions {arg['mention']!r}"
        if kind == "step_kind":
            return step.get("kind") == arg["kind"], f"step {step.get('n')} is {step.get('kind')}"
        return mentions(step.get("actor"), arg["actor"]), f"step {step.get('n')} actor {step.get('actor')!r}"
    if kind in ("field_equals", "field_between"):
        (name, want), = arg.items()
        value = draft.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False, f"{name} = {value!r}"
        ok = value == want if kind == "field_equals" else want[0] <= value <= want[1]
        return ok, f"{name} = {value}"
    if kind in ("field_contains", "field_not_contains"):
        (name, pattern), = arg.items()
        text = _field_text(draft.get(name))
        found = mentions(text, pattern)
        return found == (kind == "field_contains"), f"{name} = {text!r}"
    if kind == "field_max_words":
        (name, limit), = arg.items()
        text = _field_text(draft.get(name))
        return len(text.split()) <= limit, f"{name} = {text!r} ({len(text.split())} words)"
    if kind in ("field_empty", "field_not_empty"):
        value = draft.get(arg)
        return _is_empty(value) == (kind == "field_empty"), f"{arg} = {value!r}"
    if kind in ("list_contains", "list_not_contains"):
        (name, pattern), = arg.items()
        entries = draft.get(name) or []
        found = any(mentions(str(e), pattern) for e in entries)
        return found == (kind == "list_contains"), f"{name} = {entries!r}"
    if kind in ("decisions_min", "decisions_max"):
        n = len(draft.get("decisions") or [])
        return (n >= arg) if kind == "decisions_min" else (n <= arg), f"{n} decisions"
    if kind == "decision_after_mention":
        step = _first_step(draft, arg)
        if step is None:
            return False, f"no step mentions {arg!r}"
        after = [d.get("after_step") for d in draft.get("decisions") or []]
        return step.get("n") in after, f"step {step.get('n')}; decisions after {after}"
    if kind in ("reply_contains", "reply_not_contains"):
        text = reply.get("text") or ""
        found = mentions(text, arg)
        return found == (kind == "reply_contains"), f"reply {text[:160]!r}"
    if kind == "template_consistent":
        return template_consistent(reply) if arg else (True, "not asked")
    if kind == "no_template_adopted":
        return no_template_adopted(draft, template_labels or []) if arg else (True, "not asked")
    raise ValueError(f"unknown check type: {kind}")


# -- the split --------------------------------------------------------------------------------------
def split_key(dialogue_id: str) -> str:
    return hashlib.sha256(f"{SPLIT_SALT}/{dialogue_id}".encode()).hexdigest()


def make_split(dialogues: list[dict[str, Any]], fraction: float = TEST_FRACTION) -> dict[str, Any]:
    """Stratified by ``in_corpus``: in each stratum the dialogues with the smallest hashes are the test part."""
    test: list[str] = []
    for flag in (True, False):
        ids = sorted((d["dialogue_id"] for d in dialogues if bool(d.get("in_corpus")) == flag), key=split_key)
        test.extend(ids[:round(len(ids) * fraction)])
    dev = sorted(d["dialogue_id"] for d in dialogues if d["dialogue_id"] not in test)
    return {"method": f"stratified by in_corpus; in each stratum the round({fraction} * n) dialogues with the "
                      f"smallest sha256('{SPLIT_SALT}/' + dialogue_id) are test",
            "dev": dev, "test": sorted(test)}


def load_dialogues(directory: Path) -> list[dict[str, Any]]:
    dialogues = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]
    for d in dialogues:
        for turn in d["turns"]:
            for check in turn["checks"]:
                if len(check) != 1 or next(iter(check)) not in CHECK_TYPES:
                    raise SystemExit(f"{d['dialogue_id']}: unknown check {check}")
    return dialogues


def select_part(dialogues: list[dict[str, Any]], part: str, split: dict[str, Any]) -> list[dict[str, Any]]:
    if part == "all":
        return dialogues
    wanted = set(split[part])
    return [d for d in dialogues if d["dialogue_id"] in wanted]


# -- running ------------------------------------------------------------------------------------------
class Player:
    """Plays scripted dialogues through the HTTP API."""

    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self._profile_labels: dict[Any, list[str]] = {}
        self.latencies: list[float] = []

    def _template_labels(self, reply: dict[str, Any]) -> list[list[str]]:
        found = []
        if reply.get("slot") == "confirm_template":
            found.append([m.group(1).strip() for m in re.finditer(r"(?m)^\s*\d+\.\s+(.+)$", reply.get("text") or "")])
        for card in reply.get("suggestions") or []:
            key = card.get("id")
            if key not in self._profile_labels:
                response = self.client.get(f"/api/processes/{key}", headers=self.headers)
                steps = response.json().get("steps") or [] if response.status_code == 200 else []
                self._profile_labels[key] = [s.get("label") or "" for s in steps]
            found.append(self._profile_labels[key])
        return [labels for labels in found if labels]

    def play(self, dialogue: dict[str, Any]) -> dict[str, Any]:
        start = self.client.post("/api/interviews", json={}, headers=self.headers)
        start.raise_for_status()
        interview = start.json()
        asked = interview["messages"][0].get("slot")
        templates: list[list[str]] = []
        results, transcript = [], [("assistant", interview["messages"][0]["text"])]
        slot_agreement = [0, 0]
        for index, turn in enumerate(dialogue["turns"]):
            body: dict[str, Any] = {"text": turn["say"]}
            if turn.get("in_reply_to"):
                body["answer_to"] = turn["in_reply_to"]
                slot_agreement[1] += 1
                slot_agreement[0] += asked == turn["in_reply_to"]
            transcript.append(("clerk", turn["say"]))
            started = time.perf_counter()
            response = self.client.post(f"/api/interviews/{interview['id']}/messages", json=body,
                                        headers=self.headers)
            self.latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code == 200:
                answer = response.json()
                reply, draft, error = answer["reply"], answer["draft"], None
                asked = reply.get("slot")
                templates.extend(self._template_labels(reply))
                transcript.append(("assistant", reply.get("text") or ""))
            else:
                reply, draft, error = {}, {}, f"HTTP {response.status_code}: {response.text[:200]}"
                transcript.append(("error", error))
            for check in turn["checks"]:
                if error:
                    ok, detail = False, error
                else:
                    ok, detail = evaluate_check(check, draft, reply, templates)
                results.append({"turn": index + 1, "type": next(iter(check)), "check": check, "ok": ok,
                                "detail": detail})
        return {"dialogue_id": dialogue["dialogue_id"], "in_corpus": bool(dialogue.get("in_corpus")),
                "tests": list(dialogue.get("tests") or []), "passed": all(r["ok"] for r in results),
                "checks": results, "transcript": transcript, "asked_as_scripted": slot_agreement}


def _rate(passed: int, n: int) -> float | None:
    return round(passed / n, 4) if n else None


def summarise(played: list[dict[str, Any]], latencies: list[float] | None = None) -> dict[str, Any]:
    by_check: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_situation: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_corpus: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    checks_by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # checks in dialogues of a situation
    checks_ok = checks_n = 0
    agreement = [0, 0]
    for result in played:
        for check in result["checks"]:
            by_check[check["type"]][0] += check["ok"]
            by_check[check["type"]][1] += 1
            checks_ok += check["ok"]
            checks_n += 1
        ok = sum(c["ok"] for c in result["checks"])
        corpus = "in_corpus" if result["in_corpus"] else "not_in_corpus"
        for group, counts in [*((s, by_situation) for s in result["tests"]), (corpus, by_corpus)]:
            counts[group][0] += result["passed"]
            counts[group][1] += 1
            checks_by_group[group][0] += ok
            checks_by_group[group][1] += len(result["checks"])
        agreement[0] += result["asked_as_scripted"][0]
        agreement[1] += result["asked_as_scripted"][1]
    passed = sum(r["passed"] for r in played)
    def table(counts: dict[str, list[int]], with_checks: bool = False) -> dict[str, dict[str, Any]]:
        rows = {k: {"passed": v[0], "n": v[1], "rate": _rate(*v)} for k, v in sorted(counts.items())}
        if with_checks:  # dialogues all pass or not; the share of their checks that hold shows progress too
            for k, row in rows.items():
                row["check_rate"] = _rate(*checks_by_group[k])
        return rows
    latencies = sorted(latencies or [])
    return {
        "dialogues": len(played), "dialogues_passed": passed, "dialogue_pass_rate": _rate(passed, len(played)),
        "checks": checks_n, "checks_passed": checks_ok, "check_pass_rate": _rate(checks_ok, checks_n),
        "by_check": table(by_check), "by_situation": table(by_situation, True),
        "by_in_corpus": table(by_corpus, True),
        "asked_as_scripted": _rate(*agreement),
        "p95_turn_ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1) if latencies else 0.0,
    }


def evaluate(dialogues: list[dict[str, Any]], client: Any, headers: dict[str, str]) -> dict[str, Any]:
    player = Player(client, headers)
    played = [player.play(d) for d in dialogues]
    report = summarise(played, player.latencies)
    report["per_dialogue"] = played
    return report


def _commit() -> tuple[str | None, bool]:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, check=True).stdout.strip())
        return head, dirty
    except (OSError, subprocess.CalledProcessError):
        return None, False


def log_test_run(report: dict[str, Any], path: Path = TEST_RUNS) -> dict[str, Any]:
    commit, dirty = _commit()
    line = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit, "dirty": dirty,
            "dialogues": report["dialogues"], "dialogues_passed": report["dialogues_passed"],
            "dialogue_pass_rate": report["dialogue_pass_rate"], "check_pass_rate": report["check_pass_rate"],
            "by_situation": {k: v["rate"] for k, v in report["by_situation"].items()},
            "by_in_corpus": {k: v["rate"] for k, v in report["by_in_corpus"].items()},
            "by_situation_check_rate": {k: v["check_rate"] for k, v in report["by_situation"].items()}}
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return line


def _compact(report: dict[str, Any], part: str, details: bool) -> dict[str, Any]:
    """Per dialogue: pass/fail and failed-check count; failing checks and transcripts only with --details."""
    out = {k: v for k, v in report.items() if k != "per_dialogue"}
    rows = []
    for r in report["per_dialogue"]:
        row = {"dialogue_id": r["dialogue_id"], "passed": r["passed"],
               "checks_failed": sum(not c["ok"] for c in r["checks"]), "checks": len(r["checks"])}
        if details:
            row["failed"] = [{"turn": c["turn"], "check": c["check"], "detail": c["detail"]}
                             for c in r["checks"] if not c["ok"]]
            row["transcript"] = r["transcript"]
        rows.append(row)
    out["per_dialogue"] = rows
    return {"part": part, **out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--dialogues", type=Path, default=DIALOGUES / "d1")
    parser.add_argument("--split", type=Path, default=SPLIT_FILE)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--details", action="store_true",
                        help="failing checks and transcripts per dialogue (development part only)")
    parser.add_argument("--no-log", action="store_true", help="do not append the test run to test-runs.jsonl")
    parser.add_argument("--write-split", action="store_true", help="recompute split.json and exit")
    args = parser.parse_args(argv)
    dialogues = load_dialogues(args.dialogues)
    if not dialogues:
        raise SystemExit(f"no dialogues in {args.dialogues}")
    if args.write_split:
        split = make_split(dialogues)
        args.split.write_text(json.dumps(split, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({"dev": len(split["dev"]), "test": len(split["test"])}))
        return 0
    validation = args.dialogues.resolve() != (DIALOGUES / "d1").resolve()
    if args.details and args.part != "dev" and not validation:
        raise SystemExit("--details only for the development part: the test part stays blind")
    if validation and args.part == "test":
        raise SystemExit("a validation folder has no test part: use --part all")
    split = json.loads(args.split.read_text(encoding="utf-8"))
    chosen = select_part(dialogues, args.part, split)
    from bench.sim_server import close, make_client

    with tempfile.TemporaryDirectory(prefix="pl-dialogues-") as tmp:
        client, headers, app = make_client(Path(tmp))
        try:
            report = evaluate(chosen, client, headers)
        finally:
            close(client, app)
    if args.part == "test" and not args.no_log:
        log_test_run(report)
    out = _compact(report, args.part, args.details)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"{args.part}: {out['dialogues_passed']}/{out['dialogues']} dialogues pass "
              f"({out['dialogue_pass_rate']}), checks {out['checks_passed']}/{out['checks']}", file=sys.stderr)
        for name in ("by_situation", "by_check", "by_in_corpus"):
            print(name, file=sys.stderr)
            for key, value in out[name].items():
                checks = f"  checks {value['check_rate']}" if "check_rate" in value else ""
                print(f"  {key:28} {value['passed']:3}/{value['n']:<3} {value['rate']}{checks}", file=sys.stderr)
        for row in out["per_dialogue"]:
            print(f"  {row['dialogue_id']:8} {'pass' if row['passed'] else 'FAIL'} "
                  f"({row['checks_failed']}/{row['checks']} checks failed)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
