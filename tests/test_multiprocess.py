"""The service as it is served: a Chroma server, three gunicorn workers, CLI jobs beside them.

Profiles are published, edited and unpublished through the API while another
municipality's clerk searches; meanwhile ``flask index rebuild`` and ``flask
corpus import`` run as separate processes. Every search must succeed without
degrading, no search started 2 s after a change may show the old state, and
every worker must have answered. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.cluster import Cluster
from bench.publications import Journal, Publisher, evaluate, searcher

pytestmark = pytest.mark.slow

WORKERS = 3


@pytest.fixture
def cluster(tmp_path, database_url, embedding_cache_dir):
    cluster = Cluster(data_dir=tmp_path / "data", database_url=database_url, workers=WORKERS,
                      extra_env={"EMBEDDING_CACHE_DIR": str(embedding_cache_dir)})
    try:
        cluster.start_chroma()
        cluster.flask("corpus", "load")
        yield cluster
    finally:
        cluster.stop()


def _bpmn_of_a_demo_profile(base: str, headers: dict[str, str]) -> bytes:
    answer = httpx.get(f"{base}/api/search", params={"q": "Hundesteuer anmelden", "k": 1, "has_steps": "true"},
                       headers=headers)
    assert answer.status_code == 200 and answer.json()["results"], answer.text
    response = httpx.get(f"{base}/api/processes/{answer.json()['results'][0]['id']}/bpmn", headers=headers)
    assert response.status_code == 200, response.text
    return response.content


def _catalogue_of_another_town(cluster: Cluster, tmp_path) -> Path:
    """Vorbildheim's profiles as the JSON catalogue of a new municipality, Importhausen."""
    export = tmp_path / "export"
    cluster.flask("corpus", "export", "--format", "json", str(export), "--municipality", "Vorbildheim")
    path = export / "prozesslotse-export.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["municipalities"] = [{"name": "Importhausen", "land": "Bayern"}]
    for profile in data["profiles"]:
        profile.pop("id", None)
        profile.update(municipality="Importhausen", land="Bayern",
                       external_id=profile["external_id"].replace("vorbildheim", "importhausen"))
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return export


def test_changes_reach_every_worker_while_cli_jobs_run(cluster, make_user, tmp_path):
    _, author = make_user("mod-anna", "modeller", "Beispielstadt", "Sachsen")
    _, reviewer = make_user("mod-bernd", "modeller", "Beispielstadt", "Sachsen")
    _, reader = make_user("clara", "clerk", "Musterhausen", "Niedersachsen")
    cluster.start_server()
    base = cluster.base

    journal = Journal()
    publisher = Publisher(base, author, reviewer, _bpmn_of_a_demo_profile(base, reader), journal)
    stop = threading.Event()
    searchers = [threading.Thread(target=searcher, args=(base, reader, journal, stop, seed)) for seed in range(4)]
    try:
        publisher.cycle()  # before any searcher runs: the first change lands on idle workers
        for thread in searchers:
            thread.start()
        publisher.cycle()

        # A full rebuild and an import run as their own processes beside the serving workers.
        export = _catalogue_of_another_town(cluster, tmp_path)
        rebuild = cluster.flask_background("index", "rebuild", "--json")
        importer = cluster.flask_background("corpus", "import", "--format", "json", str(export),
                                            "--municipality", "Importhausen", "--land", "Bayern", "--json")
        while rebuild.poll() is None or importer.poll() is None:
            publisher.cycle()
        publisher.cycle()
        time.sleep(2.5)
    finally:
        stop.set()
        for thread in searchers:
            if thread.is_alive():
                thread.join(30)
        publisher.close()
    assert rebuild.returncode == 0, rebuild.stderr[-2000:]
    assert importer.returncode == 0, importer.stderr[-2000:]

    report = evaluate(journal, grace=2.0)
    assert report["searches"] > 100
    assert report["errors"] == 0, report["error_samples"]
    assert report["degraded"] == 0
    assert report["stale"] == 0, report
    assert len(report["workers"]) == WORKERS, report["workers"]

    # After the rebuild every worker serves the new generation; the imported profiles are found.
    health = httpx.get(f"{base}/healthz", timeout=10)
    assert health.status_code == 200, health.text
    index = health.json()["index"]
    assert len(index["workers"]) >= WORKERS and not any(w["stale"] for w in index["workers"])
    assert all(w["generation"] == index["generation"] for w in index["workers"])
    found = httpx.get(f"{base}/api/search", params={"q": "Bewohnerparkausweis", "k": 20, "group": "false"},
                      headers=reader).json()["results"]
    assert any(r["municipality"] == "Importhausen" for r in found)
    check = cluster.flask("index", "check", "--json", check=False)
    assert check.returncode == 0, check.stdout + check.stderr[-1000:]
