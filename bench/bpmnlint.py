"""Lint the BPMN export of every demo model with bpmnlint (``bpmnlint:recommended``).

    python -m bench.bpmnlint                 # human-readable summary
    python -m bench.bpmnlint --json          # {"files", "errors", "warnings", "by_rule", ...}
    python -m bench.bpmnlint --out /tmp/bpmn --json   # keep the exported files

What it does:

1. reads the demo corpus (``corpus/`` or ``--corpus``), numbers the profiles
   with steps 1..n in corpus order and writes ``<n>.bpmn`` with
   ``app.bpmn.to_bpmn`` into ``--out`` (default: a temporary directory);
2. installs the npm package ``bpmnlint`` into a cache outside the repository
   (``~/.cache/prozesslotse/bpmnlint`` or ``--cache``; skipped when present,
   needs ``npm`` and ``node``);
3. writes ``.bpmnlintrc`` (``{"extends": "bpmnlint:recommended"}``) next to
   the files and lints all of them through bpmnlint's API with the same
   steps as its command line: parse with bpmn-moddle (import warnings count
   as errors), then the configured rules;
4. reports the number of findings: errors, warnings, per rule and per file.

Exit status: 0 without errors, 1 with lint errors, 2 if bpmnlint could not run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path.home() / ".cache" / "prozesslotse" / "bpmnlint"
PACKAGE = "bpmnlint@^11"
RC = {"extends": "bpmnlint:recommended"}

# Runs bpmnlint like its CLI (bin/bpmnlint.js) but prints JSON.
RUNNER = r"""
const { readFileSync } = require('node:fs');
const { BpmnModdle } = require('bpmn-moddle');
const Linter = require('bpmnlint/lib/linter');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');

async function main() {
  const [configPath, ...files] = process.argv.slice(2);
  const config = JSON.parse(readFileSync(configPath, 'utf-8'));
  const out = {};
  for (const file of files) {
    const reports = [];
    const moddle = new BpmnModdle();
    let root;
    try {
      const parsed = await moddle.fromXML(readFileSync(file, 'utf-8'));
      root = parsed.rootElement;
      for (const warning of parsed.warnings || []) {
        reports.push({ rule: 'import', category: 'error', id: warning.element && warning.element.id,
                       message: 'Import warning: ' + String(warning.message).split('\n')[0] });
      }
    } catch (error) {
      reports.push({ rule: 'parse', category: 'error', message: 'Parse error: ' + error.message });
    }
    if (root) {
      // a fresh linter per file, as the CLI does: rules keep state per run
      const linter = new Linter({ config, resolver: new NodeResolver() });
      const results = await linter.lint(root);
      for (const [rule, entries] of Object.entries(results)) {
        for (const entry of entries) {
          reports.push({ rule: entry.name || rule, category: entry.category, id: entry.id,
                         message: entry.message });
        }
      }
    }
    out[file] = reports;
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch(error => { console.error(error); process.exit(2); });
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_bpmnlint(cache: Path) -> str:
    """Install bpmnlint into ``cache`` unless present; returns its version."""
    package_json = cache / "node_modules" / "bpmnlint" / "package.json"
    if not package_json.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm nicht gefunden; bpmnlint kann nicht installiert werden.")
        cache.mkdir(parents=True, exist_ok=True)
        log(f"installing {PACKAGE} into {cache} …")
        subprocess.run([npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", PACKAGE],
                       check=True, stdout=sys.stderr, stderr=sys.stderr)
    return json.loads(package_json.read_text(encoding="utf-8"))["version"]


def export_corpus(corpus: Path, out: Path) -> list[Path]:
    from app.bpmn import to_bpmn
    from app.corpus.demo import read_demo_corpus

    result = read_demo_corpus(corpus)
    for error in result.errors:
        log(f"corpus error {error.file}: {error.error}")
    files = []
    profiles = [p for p in result.profiles if p.steps]
    for number, profile in enumerate(profiles, start=1):
        path = out / f"{number}.bpmn"
        path.write_bytes(to_bpmn(profile.model_copy(update={"id": number})))
        files.append(path)
    return files


def run_lint(cache: Path, out: Path, files: list[Path]) -> dict[str, list[dict[str, Any]]]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node nicht gefunden.")
    rc = out / ".bpmnlintrc"
    rc.write_text(json.dumps(RC, indent=2) + "\n", encoding="utf-8")
    runner = cache / "prozesslotse-lint-json.js"
    if not runner.exists() or runner.read_text(encoding="utf-8") != RUNNER:
        runner.write_text(RUNNER, encoding="utf-8")
    completed = subprocess.run([node, str(runner), str(rc), *map(str, files)], cwd=cache,
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"bpmnlint ist fehlgeschlagen: {completed.stderr.strip()[:2000]}")
    return json.loads(completed.stdout)


def summarise(results: dict[str, list[dict[str, Any]]], version: str, out: Path) -> dict[str, Any]:
    by_rule: dict[str, Counter] = {}
    per_file: dict[str, dict[str, int]] = {}
    errors = warnings = 0
    for file, reports in results.items():
        name = Path(file).name
        for report in reports:
            category = "errors" if report["category"] == "error" else "warnings"
            by_rule.setdefault(report["rule"], Counter())[category] += 1
            per_file.setdefault(name, {"errors": 0, "warnings": 0})[category] += 1
            if category == "errors":
                errors += 1
            else:
                warnings += 1
    findings = [
        {"file": Path(file).name, **report}
        for file, reports in results.items() for report in reports
    ]
    return {
        "bpmnlint_version": version,
        "config": RC,
        "out": str(out),
        "files": len(results),
        "files_with_findings": len(per_file),
        "errors": errors,
        "warnings": warnings,
        "by_rule": {rule: {"errors": c["errors"], "warnings": c["warnings"]}
                    for rule, c in sorted(by_rule.items())},
        "per_file": dict(sorted(per_file.items())),
        "findings": findings[:200],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="directory for the exported .bpmn files (default: temporary)")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where bpmnlint is installed")
    parser.add_argument("--json", action="store_true", help="print only the JSON summary on stdout")
    args = parser.parse_args(argv)

    temporary = None
    if args.out is None:
        temporary = tempfile.TemporaryDirectory(prefix="prozesslotse-bpmnlint-")
        out = Path(temporary.name)
    else:
        out = args.out
        out.mkdir(parents=True, exist_ok=True)
    try:
        files = export_corpus(args.corpus, out)
        log(f"exported {len(files)} models to {out}")
        try:
            version = ensure_bpmnlint(args.cache)
            results = run_lint(args.cache, out, files)
        except (RuntimeError, subprocess.CalledProcessError, json.JSONDecodeError) as exc:
            log(f"bpmnlint could not run: {exc}")
            return 2
        summary = summarise(results, version, out)
    finally:
        if temporary is not None:
            temporary.cleanup()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"bpmnlint {summary['bpmnlint_version']} ({RC['extends']}): {summary['files']} files, "
              f"{summary['errors']} errors, {summary['warnings']} warnings")
        for rule, counts in summary["by_rule"].items():
            print(f"  {rule}: {counts['errors']} errors, {counts['warnings']} warnings")
        for finding in summary["findings"][:50]:
            print(f"  {finding['file']} {finding.get('id') or ''} {finding['category']} "
                  f"{finding['message']} ({finding['rule']})")
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
