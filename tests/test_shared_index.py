"""Several engines over one shared index state behave like several workers of one service.

Two ``SearchEngine`` objects over the same database and Chroma store stand for
two gunicorn workers: what one writes, the other finds after its next refresh;
a rebuild by one is picked up by the other without a failed search; a broken
vector index degrades to lexical answers instead of failing.
"""

from __future__ import annotations

import numpy as np
import pytest

from app import search as search_service
from app.storage.models import SEARCH_TABLES, ProfileRow
from retrieval.docstore import IndexStore, StoredDoc
from retrieval.engine import SearchEngine
from retrieval.german import vocabulary_of
from retrieval.lexical import LexicalSnapshot, analyzer_for

pytestmark = pytest.mark.slow


@pytest.fixture
def indexed_app(app, runner):
    assert runner.invoke(args=["corpus", "load"]).exit_code == 0
    return app


def _second_worker(app) -> SearchEngine:
    """Another process's engine: its own snapshot, the same database and vector store."""
    return search_service.build_engine(app)


def _titles(response) -> list[str]:
    return [h.metadata["title"] for h in response.results]


def _publish_new(app, db, title: str) -> int:
    from app.domain import ProcessProfile
    from app.storage.profiles import ensure_municipality, save_profile

    with app.app_context(), db.session() as session:
        municipality = ensure_municipality(session, "Beispielstadt", "Sachsen")
        profile = ProcessProfile(title=title, state="published", visibility="netzwerk",
                                 description=f"{title} für Vereine und Privatpersonen.")
        row = save_profile(session, profile, municipality=municipality).row
        search_service.sync_profiles([row], session)
        return row.id


def test_a_change_by_one_worker_reaches_the_other(indexed_app, db):
    app = indexed_app
    other = _second_worker(app)
    assert "Zaunkönigfütterung genehmigen" not in _titles(other.search("Zaunkönigfütterung", k=5))
    profile_id = _publish_new(app, db, "Zaunkönigfütterung genehmigen")
    assert _titles(other.search("Zaunkönigfütterung", k=5))[0] == "Zaunkönigfütterung genehmigen"
    assert other.refresh().overlay.docs  # applied as a change, not by reloading everything

    with app.app_context(), db.session() as session:
        row = session.get(ProfileRow, profile_id)
        row.state = "archived"
        row.content = dict(row.content, state="archived")
        search_service.sync_profiles([row], session)
    assert "Zaunkönigfütterung genehmigen" not in _titles(other.search("Zaunkönigfütterung", k=5, mode="lexical"))
    assert "Zaunkönigfütterung genehmigen" not in _titles(other.search("Zaunkönigfütterung", k=5, mode="dense"))


def test_rebuild_by_one_worker_switches_the_other_without_failing(indexed_app, db):
    app = indexed_app
    other = _second_worker(app)
    before = other.search("Hundesteuer anmelden", k=5)
    assert before.results and not before.degraded
    generation = other.refresh().generation
    with app.app_context(), db.session() as session:
        search_service.rebuild(session)
    # Until it switches, the other worker still answers from the previous generation, completely.
    during = other.search("Hundesteuer anmelden", k=5)
    assert not during.degraded and _titles(during) == _titles(before)
    other.refresh(wait=True)
    after = other.search("Hundesteuer anmelden", k=5)
    assert other.refresh().generation == generation + 1
    assert not after.degraded and _titles(after) == _titles(before)
    with app.app_context(), db.session() as session:
        assert search_service.check(session) == {"missing": [], "stale": [], "orphaned": []}


def test_a_worker_whose_collection_was_dropped_answers_from_the_new_one(indexed_app, db):
    """Two rebuilds by other processes drop the collection a worker still serves (it keeps the current and the
    previous one only): its next search catches up instead of answering degraded."""
    app = indexed_app
    other = _second_worker(app)
    before = other.search("Hundesteuer anmelden", k=5)
    with app.app_context(), db.session() as session:
        search_service.rebuild(session)
    original = other.refresh
    rebuilt: list[bool] = []

    def refresh_then_rebuilt_elsewhere(*, wait: bool = False):
        snapshot = original(wait=wait)  # still its own generation, now the previous one: usable
        if not wait and not rebuilt:
            rebuilt.append(True)
            with app.app_context(), db.session() as session:
                search_service.rebuild(session)  # another process: its collection is dropped here
        return snapshot

    other.refresh = refresh_then_rebuilt_elsewhere
    after = other.search("Hundesteuer anmelden", k=5)
    assert rebuilt and not after.degraded and _titles(after) == _titles(before)


def test_a_change_during_a_rebuild_is_kept(indexed_app, db, monkeypatch):
    """A profile published while a rebuild runs is in the new generation, not lost by the switch."""
    app = indexed_app
    with app.app_context():
        engine = search_service.engine()
    original_put = engine.store.put
    published: list[int] = []

    def put_and_publish_once(conn, version, generation, docs, terms):
        original_put(conn, version, generation, docs, terms)
        if not published:  # after the first batch of the rebuild: someone publishes meanwhile
            published.append(0)
            conn.commit()
            published[0] = _publish_new(app, db, "Laternenpatenschaft übernehmen")

    monkeypatch.setattr(engine.store, "put", put_and_publish_once)
    with app.app_context(), db.session() as session:
        search_service.rebuild(session, batch=64)
    monkeypatch.undo()
    assert published and published[0]
    assert _titles(engine.search("Laternenpatenschaft", k=3))[0] == "Laternenpatenschaft übernehmen"
    with app.app_context(), db.session() as session:
        assert search_service.check(session) == {"missing": [], "stale": [], "orphaned": []}


def test_a_broken_vector_index_degrades_to_lexical(indexed_app):
    app = indexed_app
    with app.app_context():
        engine = search_service.engine()
    vector = engine.vector

    def broken(*_args, **_kwargs):
        raise RuntimeError("Error executing plan: Internal error: Error finding id")

    vector._call = broken  # what a stale embedded HNSW produced in every other worker
    response = engine.search("Hundesteuer", k=3)
    assert response.degraded and response.results
    assert "hundesteuer" in response.results[0].metadata["group"]


def test_health_reports_every_worker_and_fails_on_a_stale_one(indexed_app, client, db):
    app = indexed_app
    with app.app_context():
        search_service.engine().refresh()
    first = client.get("/healthz")
    assert first.status_code == 200
    index = first.get_json()["index"]
    assert index["ok"] and index["worker"]["version"] == index["version"]
    stale = _second_worker(app)
    stale.refresh()
    stale.worker = "anderer-host:4711"
    stale._report(force=True)
    _publish_new(app, db, "Brunnenpatenschaft übernehmen")
    # The other worker never refreshes; once the change has settled it counts as stale.
    from datetime import timedelta

    with db.engine.begin() as conn:
        table = SEARCH_TABLES.state
        row = conn.execute(table.select()).mappings().first()
        conn.execute(table.update().values(updated_at=row["updated_at"] - timedelta(seconds=30)))
    health = client.get("/healthz")
    assert health.status_code == 503
    report = health.get_json()["index"]
    assert [w["worker"] for w in report["workers"] if w["stale"]] == ["anderer-host:4711"]
    assert "veraltet" in report["detail"]


def test_overlay_scores_like_a_rebuilt_index():
    """A changed document scored in the overlay ranks as it would after a full rebuild."""
    texts = ["Hund Steuer anmelden", "Gewerbe anmelden", "Sperrmüll abholen", "Hund halten Erlaubnis",
             "Bau Antrag prüfen", "Wohngeld Antrag"]
    vocabulary = vocabulary_of(texts + ["Hund Steuer Ermäßigung Antrag"])
    analyzer = analyzer_for(vocabulary)
    docs = [StoredDoc(i, 1, False, {"group": f"g{i}"}, analyzer.terms(t)) for i, t in enumerate(texts, start=1)]
    changed = StoredDoc(5, 2, False, {"group": "g5"}, analyzer.terms("Hund Steuer Ermäßigung Antrag"))
    snapshot = LexicalSnapshot(1, 1, docs, vocabulary).with_changes([changed], 2)
    rebuilt = LexicalSnapshot(1, 2, [d if d.id != 5 else changed for d in docs], vocabulary)
    main, extra, _ = snapshot.scores("Hundesteuer Ermäßigung")
    scores = {int(snapshot.ids[i]): float(main[i]) for i in range(len(main)) if main[i] > 0} | extra
    main2, _, _ = rebuilt.scores("Hundesteuer Ermäßigung")
    expected = {int(rebuilt.ids[i]): float(main2[i]) for i in range(len(main2)) if main2[i] > 0}
    assert sorted(scores, key=lambda i: -scores[i]) == sorted(expected, key=lambda i: -expected[i])
    assert np.isclose(scores[5], expected[5], rtol=0.25)  # document frequencies are approximated
    removed = snapshot.with_changes([StoredDoc(1, 3, True, {}, [])], 3)
    main3, extra3, _ = removed.scores("Hund Steuer")
    assert 1 not in {int(removed.ids[i]) for i in range(len(main3)) if main3[i] > 0} | set(extra3)


def test_store_versions_follow_commit_order(app, db):
    store = IndexStore(db.engine, SEARCH_TABLES, initial_collection="c-g1")
    versions = []
    for _ in range(2):
        with store.write() as (_conn, state):
            versions.append((state.version, state.generation))
    assert versions[1][0] == versions[0][0] + 1 and versions[1][1] == 1
    with pytest.raises(RuntimeError):
        with store.write() as (_conn, _state):
            raise RuntimeError("a failed write")
    assert store.state().version == versions[1][0]  # rolled back with the failed write


def test_the_embedded_index_belongs_to_one_process(tmp_path):
    """A second process opening the same embedded directory gets a clear error, not a stale index."""
    import subprocess
    import sys

    from retrieval.vector import make_client, release_embedded

    path = tmp_path / "chroma"
    make_client(path=path)
    probe = ("import sys; from pathlib import Path; from retrieval.vector import make_client, EmbeddedIndexBusy\n"
             "try:\n    make_client(path=Path(sys.argv[1]))\nexcept EmbeddedIndexBusy as exc:\n"
             "    print('busy', exc); sys.exit(3)\nprint('ok')")
    other = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120)
    assert other.returncode == 3 and "CHROMA_HOST" in other.stdout
    release_embedded(path)
    again = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr


def test_gunicorn_refuses_several_workers_on_the_embedded_index(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "CHROMA_HOST"}
    env.update(GUNICORN_WORKERS="2", PROZESSLOTSE_DATA_DIR=str(tmp_path), PYTHONPATH=str(repo))
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:0",
                             "app:create_app()"], cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "CHROMA_HOST" in result.stdout + result.stderr
