"""Development/test split of the blind natural interview cases (``bench/cases-natural``).

    python -m bench.natural_split            # check bench/cases-natural/split.json
    python -m bench.natural_split --write    # (re)write it

The split is fixed by a hash of ``case_id``: within every stratum (author batch ``n1``/``n2`` ×
``in_corpus``) the cases are ordered by SHA-256 of their ``case_id`` and the first
``TEST_PER_STRATUM`` go to the test part, the rest to the development part. Nothing about a case
other than its id, its batch folder and ``in_corpus`` decides its part, so the split can be made
without reading the cases.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent / "cases-natural"
MANIFEST = ROOT / "split.json"
TEST_PER_STRATUM = 11  # 4 strata of 21 cases → 44 test, 40 dev
METHOD = ("per stratum (author batch × in_corpus): order by sha256(case_id) hex digest, "
          f"first {TEST_PER_STRATUM} → test, rest → dev")


def case_hash(case_id: str) -> str:
    return hashlib.sha256(case_id.encode("utf-8")).hexdigest()


def case_files(root: Path = ROOT) -> list[Path]:
    return sorted(root.glob("n*/*.json"))


def strata(root: Path = ROOT) -> dict[tuple[str, bool], list[str]]:
    groups: dict[tuple[str, bool], list[str]] = {}
    for path in case_files(root):
        case = json.loads(path.read_text(encoding="utf-8"))
        groups.setdefault((path.parent.name, bool(case["in_corpus"])), []).append(case["case_id"])
    return groups


def make_split(groups: dict[tuple[str, bool], list[str]], per_stratum: int = TEST_PER_STRATUM) -> dict[str, Any]:
    dev: list[str] = []
    test: list[str] = []
    counts = {}
    for (batch, in_corpus), ids in sorted(groups.items()):
        ordered = sorted(ids, key=case_hash)
        test += ordered[:per_stratum]
        dev += ordered[per_stratum:]
        counts[f"{batch}/{'in_corpus' if in_corpus else 'not_in_corpus'}"] = {
            "test": len(ordered[:per_stratum]), "dev": len(ordered[per_stratum:])}
    return {"method": METHOD, "strata": counts, "dev": sorted(dev), "test": sorted(test)}


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def part_of(case_id: str, manifest: dict[str, Any]) -> str | None:
    for part in ("dev", "test"):
        if case_id in manifest[part]:
            return part
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    split = make_split(strata())
    text = json.dumps(split, ensure_ascii=False, indent=1) + "\n"
    if args.write:
        MANIFEST.write_text(text, encoding="utf-8")
        print(f"wrote {MANIFEST}: {len(split['dev'])} dev, {len(split['test'])} test", file=sys.stderr)
        return 0
    if not MANIFEST.exists() or load_manifest() != split:
        print(f"{MANIFEST} is missing or differs from the hash split; run with --write", file=sys.stderr)
        return 1
    print(f"{MANIFEST} ok: {len(split['dev'])} dev, {len(split['test'])} test", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
