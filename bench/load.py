"""Load and fault benchmark: simulated clerks interview concurrently against gunicorn on loopback.

    python -m bench.load --clerks 50 --seconds 60 --workers 4 --json
    python -m bench.load --fault --json        # the same while the Chroma server is stopped and restarted

The service runs as it is served (``bench/cluster.py``): a Chroma server and
``--workers`` gunicorn workers. Each clerk runs interviews from ``bench/cases``
(opening, then the answer for each asked slot) with a think time between
messages, every message with a fresh ``client_id``; a few searchers query
``/api/search`` beside them. Meanwhile two modellers publish, rename and
unpublish profiles through the API (``bench/publications.py``) and two more
searchers look for exactly those profiles: every search that starts 2 s after
a change must show it. All traffic stays on 127.0.0.1 and the run is bounded
in time. Afterwards the database is checked: every message sent is stored
exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.cluster import REPO, Cluster
from bench.publications import Journal, Publisher, evaluate
from bench.publications import searcher as freshness_searcher

CASES = REPO / "bench" / "cases"
SEARCHES = ["Hundesteuer", "Gewerbe anmelden", "Sperrmüll abholen", "Baugenehmigung", "Kita-Platz", "Urlaubsantrag",
            "Rechnung prüfen", "Wohngeld", "Grabstelle", "Parkausweis für Anwohner", "Sitzung vorbereiten"]


@dataclass
class Stats:
    turn_ms: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    degraded_searches: int = 0
    retries: int = 0
    sent: list[tuple[int, str, str]] = field(default_factory=list)  # interview id, client id, text
    interviews: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


def clerk(base: str, token: str, cases: list[dict], stop: float, think: float, stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        while time.time() < stop:
            case = rng.choice(cases)
            try:
                interview = client.post("/api/interviews", json={}).json()
            except (httpx.HTTPError, ValueError) as exc:
                with stats.lock:
                    stats.errors.append(f"start: {exc}")
                time.sleep(think)
                continue
            with stats.lock:
                stats.interviews += 1
            text = case["opening"]
            for _ in range(20):
                if time.time() >= stop:
                    return
                client_id = str(uuid.uuid4())
                started = time.perf_counter()
                try:
                    # Like the chat page: a dropped connection is retried with the same client_id,
                    # which the server answers exactly once.
                    for attempt in range(3):
                        try:
                            response = client.post(f"/api/interviews/{interview['id']}/messages",
                                                   json={"text": text, "client_id": client_id})
                            break
                        except httpx.TransportError:
                            if attempt == 2:
                                raise
                            with stats.lock:
                                stats.retries += 1
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        raise RuntimeError(f"{response.status_code} {response.text[:120]}")
                    body = response.json()
                except Exception as exc:  # noqa: BLE001 - every failure is counted
                    with stats.lock:
                        stats.errors.append(f"turn: {exc}")
                        stats.sent.append((interview["id"], client_id, text))
                    break
                with stats.lock:
                    stats.turn_ms.append(elapsed)
                    stats.sent.append((interview["id"], client_id, text))
                slot = body["reply"]["slot"]
                if slot in (None, "confirm"):
                    break
                text = "Ja, das passt so." if slot == "confirm_template" else case["answers"].get(
                    slot, "Dazu kann ich nichts sagen.")
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def searcher(base: str, token: str, stop: float, stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        while time.time() < stop:
            started = time.perf_counter()
            try:
                response = client.get("/api/search", params={"q": rng.choice(SEARCHES), "k": 10})
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code} {response.text[:120]}")
                degraded = response.json().get("degraded", False)
            except Exception as exc:  # noqa: BLE001
                with stats.lock:
                    stats.errors.append(f"search: {exc}")
                continue
            with stats.lock:
                stats.search_ms.append(elapsed)
                stats.degraded_searches += int(bool(degraded))
            time.sleep(rng.uniform(0.2, 0.8))


def verify(database_url: str, sent: list[tuple[int, str, str]]) -> dict[str, int]:
    """Every sent message must be stored exactly once (by client id)."""
    from sqlalchemy import create_engine, func, select

    from app.storage.models import InterviewMessageRow

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(InterviewMessageRow.client_id, func.count()).where(
            InterviewMessageRow.role == "clerk", InterviewMessageRow.client_id.is_not(None))
            .group_by(InterviewMessageRow.client_id)).all()
    engine.dispose()
    counts = dict(rows)
    lost = sum(1 for _, client_id, _ in sent if counts.get(client_id, 0) == 0)
    duplicated = sum(1 for _, client_id, _ in sent if counts.get(client_id, 0) > 1)
    return {"sent": len(sent), "stored": sum(counts.values()), "lost": lost, "duplicated": duplicated}


PASSWORD = "Lastlauf-Kennwort-2468"


def prepare(cluster: Cluster, clerks: int) -> dict[str, list[str]]:
    """Schema, demo corpus, index and users; returns tokens per group of users."""
    for args in (["db", "upgrade"], ["corpus", "load"], ["index", "rebuild"]):
        cluster.flask(*args)
    code = (
        "from app import create_app\n"
        "from app.context import database\n"
        "from app.storage.profiles import ensure_municipality\n"
        "from app.storage.users import create_user, issue_token\n"
        "import json\n"
        "app = create_app()\n"
        "tokens = {'clerks': [], 'modellers': []}\n"
        "with app.app_context(), database().session() as s:\n"
        "    m = ensure_municipality(s, 'Lasthausen', 'Sachsen')\n"
        f"    for i in range({clerks + 1}):\n"
        f"        tokens['clerks'].append(issue_token(s, create_user(s, f'last-{{i}}', {PASSWORD!r}, 'clerk', m)))\n"
        "    b = ensure_municipality(s, 'Beispielstadt', 'Sachsen')\n"
        "    for i in range(2):\n"
        f"        tokens['modellers'].append(issue_token(s, create_user(s, f'mod-{{i}}', {PASSWORD!r}, 'modeller', b)))\n"
        "print(json.dumps(tokens))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=cluster.env, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def publishing(publisher: Publisher, stop: float, failures: list[str]) -> None:
    """Publish, rename and unpublish profiles until the run ends."""
    while time.time() < stop - 6:
        try:
            publisher.cycle()
        except Exception as exc:  # noqa: BLE001 - counted as an error of the run
            failures.append(f"publish: {exc}")
            time.sleep(1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CASES.glob("*.json"))]
    tmp = Path(tempfile.mkdtemp(prefix="pl-load-"))
    data_dir = tmp / "data"
    data_dir.mkdir(parents=True)
    log_file = open(args.server_log, "w", encoding="utf-8") if args.server_log else subprocess.DEVNULL
    cluster = Cluster(data_dir=data_dir, database_url=args.database_url or f"sqlite:///{data_dir / 'prozesslotse.db'}",
                      workers=args.workers, threads=args.threads, log=log_file)
    stats = Stats()
    journal = Journal()
    publish_failures: list[str] = []
    fault_log: list[str] = []
    try:
        cluster.start_chroma()
        tokens = prepare(cluster, args.clerks)
        cluster.start_server()
        base = cluster.base
        clerk_tokens, search_token = tokens["clerks"][:-1], tokens["clerks"][-1]
        bpmn = bpmn_of_a_demo_profile(base, bearer(search_token))
        publisher = Publisher(base, bearer(tokens["modellers"][0]), bearer(tokens["modellers"][1]), bpmn, journal)
        started = time.time()
        stop = started + args.seconds
        stop_event = threading.Event()
        threads = [threading.Thread(target=clerk, args=(base, t, cases, stop, args.think, stats, i))
                   for i, t in enumerate(clerk_tokens)]
        threads += [threading.Thread(target=searcher, args=(base, search_token, stop, stats, 1000 + i))
                    for i in range(args.searchers)]
        if args.publish:
            threads.append(threading.Thread(target=publishing, args=(publisher, stop, publish_failures)))
            threads += [threading.Thread(target=freshness_searcher,
                                         args=(base, bearer(search_token), journal, stop_event, 2000 + i, 0.2))
                        for i in range(2)]
        for thread in threads:
            thread.start()
        if args.fault:
            time.sleep(args.seconds / 3)
            cluster.chroma.send_signal(signal.SIGTERM)
            cluster.chroma.wait(20)
            fault_log.append(f"Chroma gestoppt nach {time.time() - started:.0f} s")
            time.sleep(args.seconds / 3)
            cluster.start_chroma()
            fault_log.append(f"Chroma neu gestartet nach {time.time() - started:.0f} s")
        time.sleep(max(0.0, stop - time.time()))
        stop_event.set()
        for thread in threads:
            thread.join(args.seconds + 60)
        duration = time.time() - started
        publisher.close()
    finally:
        cluster.stop()
    storage = verify(cluster.database_url, stats.sent)
    freshness = evaluate(journal, grace=2.0) if args.publish else {}
    shutil.rmtree(tmp, ignore_errors=True)
    errors = len(stats.errors) + len(publish_failures) + freshness.get("errors", 0)
    return {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": "postgresql" if args.database_url else "sqlite",
        "clerks": args.clerks, "searchers": args.searchers, "workers": args.workers, "threads": args.threads,
        "seconds": round(duration, 1), "think_seconds": args.think, "fault": bool(args.fault), "fault_log": fault_log,
        "interviews": stats.interviews, "turns": len(stats.turn_ms), "searches": len(stats.search_ms),
        "turns_per_s": round(len(stats.turn_ms) / duration, 1), "searches_per_s": round(len(stats.search_ms) / duration, 1),
        "turn_ms": {"p50": percentile(stats.turn_ms, 0.5), "p95": percentile(stats.turn_ms, 0.95),
                    "p99": percentile(stats.turn_ms, 0.99)},
        "search_ms": {"p50": percentile(stats.search_ms, 0.5), "p95": percentile(stats.search_ms, 0.95),
                      "p99": percentile(stats.search_ms, 0.99)},
        "degraded_searches": stats.degraded_searches, "retried_turns": stats.retries,
        "errors": errors, "error_samples": (stats.errors + publish_failures)[:5], **storage,
        "publications": {"changes": freshness.get("changes", 0), "searches": freshness.get("searches", 0),
                         "errors": freshness.get("errors", 0), "degraded": freshness.get("degraded", 0),
                         "stale": freshness.get("stale", 0), "stale_samples": freshness.get("stale_samples", []),
                         "workers_answering": len(freshness.get("workers", [])),
                         "old_state_seen": freshness.get("old_state_seen", 0),
                         "old_state_seen_max_s": freshness.get("old_state_seen_max_s", 0.0)},
        "targets": {"errors": errors == 0, "lost_or_duplicated": storage["lost"] + storage["duplicated"] == 0,
                    "p95_turn_le_1s": percentile(stats.turn_ms, 0.95) <= 1000,
                    "stale_results": freshness.get("stale", 0) == 0},
    }


def bpmn_of_a_demo_profile(base: str, headers: dict[str, str]) -> bytes:
    hit = httpx.get(f"{base}/api/search", params={"q": "Hundesteuer anmelden", "k": 1, "has_steps": "true"},
                    headers=headers, timeout=30).json()
    return httpx.get(f"{base}/api/processes/{hit['results'][0]['id']}/bpmn", headers=headers, timeout=30).content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clerks", type=int, default=50)
    parser.add_argument("--searchers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds a clerk types before the next message")
    parser.add_argument("--fault", action="store_true", help="stop and restart the Chroma server during the run")
    parser.add_argument("--no-publish", dest="publish", action="store_false",
                        help="no publications during the run")
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/loadbench "
                                               "(an empty database; default: SQLite in a temporary data dir)")
    parser.add_argument("--server-log", help="write gunicorn's log to this file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:22} {value}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
