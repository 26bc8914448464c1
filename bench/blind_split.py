"""Deterministic development/test split of the blind query batches (issue 16).

    python -m bench.blind_split            # writes bench/queries/blind/dev.jsonl and test.jsonl
    python -m bench.blind_split --check    # fails if the files differ from what the rule gives

Rule: queries are grouped into strata by (corpus, kind); within a stratum they
are ordered by SHA-256 of ``"issue-16-split:" + qid`` and the first
``ceil(n / 2)`` go to the test part, the rest to development. The rule looks at
nothing but the qid, corpus and kind (never the query text or the results),
so the split is fixed and reproducible from a fresh clone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections import defaultdict
from pathlib import Path

BLIND = Path(__file__).resolve().parent / "queries" / "blind"
BATCHES = ("q1.jsonl", "q2.jsonl")
SALT = "issue-16-split:"


def key(qid: str) -> str:
    return hashlib.sha256((SALT + qid).encode("utf-8")).hexdigest()


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split(queries: list[dict]) -> tuple[list[dict], list[dict]]:
    strata: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for q in queries:
        strata[(q["corpus"], q["kind"])].append(q)
    test_ids: set[str] = set()
    for members in strata.values():
        ordered = sorted(members, key=lambda q: key(q["qid"]))
        test_ids.update(q["qid"] for q in ordered[:math.ceil(len(ordered) / 2)])
    dev = [q for q in queries if q["qid"] not in test_ids]
    test = [q for q in queries if q["qid"] in test_ids]
    return dev, test


def dump(items: list[dict]) -> str:
    return "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    queries = [q for name in BATCHES for q in read(BLIND / name)]
    dev, test = split(queries)
    for name, items in (("dev.jsonl", dev), ("test.jsonl", test)):
        path = BLIND / name
        if args.check:
            if path.read_text(encoding="utf-8") != dump(items):
                raise SystemExit(f"{path} differs from the split rule")
        else:
            path.write_text(dump(items), encoding="utf-8")
    print(f"dev {len(dev)}, test {len(test)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
