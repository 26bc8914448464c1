"""``flask index rebuild|check`` and ``flask search``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import numpy as np
from flask.cli import with_appcontext
from tqdm import tqdm

from app import search as search_service
from app.context import database
from retrieval.engine import MODES
from retrieval.filters import Filters

from .output import emit_json, fail, info


@click.group("index", help="Suchindex verwalten.")
def index_group() -> None:
    pass


@index_group.command("rebuild", help="Alle Suchindizes aus der Datenbank neu aufbauen.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def rebuild_command(as_json: bool) -> None:
    started = time.perf_counter()
    with database().session() as session:
        total = sum(1 for _ in search_service.indexable_rows(session))
        bar = tqdm(total=total, desc="Index", unit="Steckbrief", file=sys.stderr)
        count = search_service.rebuild(session, progress=bar.update)
        bar.close()
    seconds = round(time.perf_counter() - started, 2)
    if as_json:
        emit_json({"indexed": count, "seconds": seconds})
    else:
        info(f"{count} Steckbriefe in {seconds} s indiziert.")


@index_group.command("check", help="Fehlende oder veraltete Einträge im Index finden.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def check_command(as_json: bool) -> None:
    with database().session() as session:
        report = search_service.check(session)
    ok = not any(report.values())
    if as_json:
        emit_json({"ok": ok, **report})
    else:
        info("Index ist aktuell." if ok else
             f"Fehlend: {len(report['missing'])}, veraltet: {len(report['stale'])}, "
             f"überzählig: {len(report['orphaned'])}. Abhilfe: flask --app app index rebuild")
    if not ok:
        raise SystemExit(1)


@index_group.command("fit-projection",
                     help="Projektion der Satzvektoren aus dem Demo-Korpus neu berechnen (Entwicklerwerkzeug).")
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Korpusordner (Standard: corpus/ im Projekt).")
@click.option("--dimension", default=256, show_default=True, type=click.IntRange(8, 4096))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Zieldatei (Standard: die mitgelieferte Datei in retrieval/data/).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def fit_projection_command(corpus_dir: Path | None, dimension: int, out: Path | None, as_json: bool) -> None:
    from flask import current_app

    from app.corpus.demo import read_demo_corpus
    from retrieval import projection
    from retrieval.documents import dense_text
    from retrieval.embedders import make_embedder

    root = corpus_dir or Path(current_app.root_path).parent / "corpus"
    corpus = read_demo_corpus(root)
    if corpus.errors or not corpus.profiles:
        fail(f"Korpus unter {root} ist nicht lesbar ({len(corpus.errors)} Fehler).")
    sentences = list(dict.fromkeys(
        [dense_text(p) for p in corpus.profiles] + [p.title for p in corpus.profiles]
        + [p.description for p in corpus.profiles if p.description]
        + [s.label for p in corpus.profiles for s in p.steps]))
    embedder = make_embedder(current_app.config["EMBEDDING_BACKEND"], current_app.config.get("EMBEDDING_MODEL"))
    vectors = embedder.encode(sentences)
    try:
        matrix = projection.fit(vectors, dimension)
    except ValueError as exc:
        fail(f"Projektion nicht berechenbar: {exc}")
    target = out or projection.shipped_path(embedder.name, dimension)
    np.save(target, matrix)
    report = {"file": str(target), "sentences": len(sentences), "dimension": dimension,
              "kept_energy": round(projection.kept_energy(vectors, matrix), 4)}
    if as_json:
        emit_json(report)
    else:
        info(f"{len(sentences)} Sätze, {dimension} Dimensionen, {report['kept_energy']:.1%} der Länge behalten: {target}")


@click.command("search", help="Steckbriefe suchen.")
@click.argument("query")
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--mode", default="hybrid", show_default=True, type=click.Choice(MODES))
@click.option("--municipality", default=None)
@click.option("--no-group", is_flag=True, help="Gleiche Prozesse anderer Kommunen nicht zusammenfassen.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def search_command(query: str, k: int, mode: str, municipality: str | None, no_group: bool, as_json: bool) -> None:
    query = query.strip()
    if not query:
        fail("Bitte einen Suchbegriff angeben.")
    response = search_service.search(query, k=k, mode=mode, filters=Filters(municipality=municipality),
                                     group=not no_group)
    results = [search_service.result_dict(h) for h in response.results]
    if as_json:
        emit_json({"results": [{key: r[key] for key in ("id", "external_id", "title", "municipality", "score")}
                               for r in results], "degraded": response.degraded})
        return
    for rank, r in enumerate(results, start=1):
        click.echo(f"{rank:2}. {r['title']} ({r['municipality']}) · {r['score']:.3f}\n    {r['snippet']}")
