"""``flask index rebuild|check`` and ``flask search``."""

from __future__ import annotations

import time

import sys

import click
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
