"""Which template does the interview offer first? (issue 16, item 4)

    python -m bench.template_choice --work-dir /tmp/pl-eval16 --json
    python -m bench.template_choice --work-dir /tmp/pl-eval16 --fusion rule=gated qu_min_words=0 --json
    python -m bench.template_choice --work-dir /tmp/pl-eval16 --cases bench/cases-natural --part dev --json
    python -m bench.template_choice --work-dir /tmp/pl-eval16 --cases bench/cases-natural --part test --json

Uses the demo corpus imported by ``bench.retrieval_eval --demo --work-dir``.
For every interview case in ``bench/cases`` the interviewer (built-in rules,
the product's template search, a clerk of a municipality outside the corpus)
receives the case's opening. A case is in the corpus when it names a
``template_source``; the offer is right when the offered profile belongs to
that process family (any municipality's variant). Reported: precision@1 on
in-corpus cases (right offer / in-corpus cases), how often a wrong template was
offered there, how often nothing was offered, and how often a template was
offered for a process that is not in the corpus (each such offer is wrong).

The blind natural cases (``bench/cases-natural``, issue 14) say ``in_corpus``
and ``corpus_key`` instead; ``--part`` picks a part of their ``split.json``. A
run of the test part prints and logs only the totals (one line appended to
``<cases>/test-runs.jsonl``), never a case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.retrieval_eval import REPO, open_catalogue, parse_fusion  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--cases", type=Path, default=REPO / "bench" / "cases")
    parser.add_argument("--part", choices=["dev", "test"], help="one part of <cases>/split.json")
    parser.add_argument("--fusion", nargs="*", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from bench.interview_sim import _git, load_cases

    cases = load_cases(args.cases, args.part)
    app, _, _, _ = open_catalogue(args.work_dir / "demo", koos=None, demo=True, backend="use", model=None,
                                  reuse=True)
    from app import search as search_service
    from app.context import database
    from app.dialogue.engine import Interviewer
    from app.interviews import gazetteer, template_search
    from app.storage.profiles import ensure_municipality
    from retrieval.engine import FusionParams

    rows = []
    with app.app_context():
        engine = search_service.engine()
        engine.fusion = FusionParams(**{**asdict(engine.fusion), **parse_fusion(args.fusion)})
        with database().session() as session:
            clerk = SimpleNamespace(municipality_id=ensure_municipality(session, "Simulationshausen", "Thüringen").id)
            interviewer = Interviewer(search=template_search(session, clerk), gazetteer=gazetteer())
            for case in cases:
                start = interviewer.start()
                turn = interviewer.reply(start.draft, start.state, case["opening"])
                offered = turn.state.get("template_profile")
                want = expected_process(case)
                got = str(offered.get("external_id") or "").rsplit(":", 1)[-1] if offered else None
                rows.append({"case": case["case_id"], "in_corpus": bool(want), "want": want, "offered": got,
                             "right": want is not None and got == want})
        configuration = asdict(engine.fusion)
    app.extensions["prozesslotse.db"].dispose()
    inside = [r for r in rows if r["in_corpus"]]
    outside = [r for r in rows if not r["in_corpus"]]
    report = {
        "cases": len(rows), "in_corpus": len(inside), "configuration": configuration,
        "precision_at_1": round(sum(r["right"] for r in inside) / len(inside), 4) if inside else None,
        "wrong_offered_in_corpus": sum(r["offered"] is not None and not r["right"] for r in inside),
        "nothing_offered_in_corpus": sum(r["offered"] is None for r in inside),
        "offered_out_of_corpus": sum(r["offered"] is not None for r in outside), "out_of_corpus": len(outside),
        "per_case": rows,
    }
    if args.part:
        report = {"part": args.part, **report}
    if args.part == "test":
        del report["per_case"]
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "--", "app", "bench", "retrieval",
                          "corpus", "prompts"))
        entry = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                 "commit": (_git("rev-parse", "HEAD") or "unknown") + ("+uncommitted" if dirty else ""),
                 "command": "python -m bench.template_choice " + " ".join(argv if argv is not None else sys.argv[1:]),
                 "figures": report}
        with (args.cases / "test-runs.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 1))
    return 0


def expected_process(case: dict) -> str | None:
    """The process key the right template belongs to, None when the process is not in the corpus."""
    if "in_corpus" in case:
        return case.get("corpus_key") if case["in_corpus"] else None
    return Path(case["template_source"]).stem if case.get("template_source") else None


if __name__ == "__main__":
    raise SystemExit(main())
