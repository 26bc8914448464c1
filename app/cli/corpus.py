"""``flask corpus load|import|export|stats``."""

from __future__ import annotations

from pathlib import Path

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import distinct, func, select
from tqdm import tqdm

from app.context import database
from app.corpus.demo import read_demo_corpus
from app.corpus.results import ParsedFile
from app.corpus.store import StrictImportAborted, municipality_by_name, store_files
from app.domain import LAENDER
from app.domain.figures import figures
from app.storage.models import MunicipalityRow, ProfileRow
from app.storage.profiles import ensure_municipality, to_domain

from .output import emit_json, fail, info

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@click.group("corpus", help="Prozesskatalog laden, importieren, exportieren und zählen.")
def corpus_group() -> None:
    pass


def _progress(total: int, label: str):
    bar = tqdm(total=total, desc=label, unit="Datei", file=sys.stderr, leave=False)
    return bar


@corpus_group.command("load", help="Den Demo-Korpus laden (wiederholbar, ohne Duplikate).")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Nur JSON auf die Standardausgabe.")
@with_appcontext
def load_command(path: Path | None, as_json: bool) -> None:
    root = path or DEFAULT_CORPUS
    if not root.is_dir():
        fail(f"Der Ordner {root} existiert nicht.")
    corpus = read_demo_corpus(root)
    db = database()
    with db.session() as session:
        for entry in corpus.municipalities:
            m = entry.municipality
            ensure_municipality(session, m.name, m.land, slug=entry.slug, ags=m.ags, ags_fictional=m.ags_fictional,
                                population=m.population, hourly_rate_eur=m.hourly_rate_eur,
                                description=entry.description or None)
    names = {e.municipality.name for e in corpus.municipalities}
    files = [ParsedFile(file=p.external_id or p.title, profiles=[p]) for p in corpus.profiles]

    def municipality_for(session, profile):
        return ensure_municipality(session, profile.municipality, profile.land)

    bar = _progress(len(files), "Demo-Korpus")
    report = store_files(db, files, municipality_for, note="Demo-Korpus", progress=bar.update)
    bar.close()
    _update_index(report.changed_ids)
    for error in corpus.errors:
        info(f"Fehler in {error.file}: {error.error}")
    if as_json:
        emit_json({"profiles": len(corpus.profiles), "municipalities": len(names), **report.as_dict(),
                   "errors": [e.as_dict() for e in corpus.errors] + report.as_dict()["errors"]})
    else:
        info(f"{len(corpus.profiles)} Steckbriefe aus {len(names)} Kommunen geladen "
             f"({report.created} neu, {report.updated} aktualisiert, {report.unchanged} unverändert).")
    if corpus.errors or report.errors:
        raise SystemExit(1)


@corpus_group.command("stats", help="Kommunen, Steckbriefe und Prozessfamilien zählen.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def stats_command(as_json: bool) -> None:
    with database().session() as session:
        municipalities = session.scalar(
            select(func.count(distinct(ProfileRow.municipality_id)))
        ) or 0
        profiles = session.scalar(select(func.count()).select_from(ProfileRow)) or 0
        family = func.coalesce(ProfileRow.process_key, ProfileRow.external_id, ProfileRow.title)
        processes = session.scalar(select(func.count(distinct(family)))) or 0
        with_steps = session.scalar(select(func.count()).select_from(ProfileRow).where(ProfileRow.step_count > 0)) or 0
        all_municipalities = session.scalar(select(func.count()).select_from(MunicipalityRow)) or 0
    stats = {"municipalities": municipalities, "profiles": profiles, "processes": processes,
             "profiles_with_steps": with_steps, "registered_municipalities": all_municipalities}
    if as_json:
        emit_json(stats)
    else:
        info(f"{municipalities} Kommunen mit Steckbriefen, {profiles} Steckbriefe, {processes} Prozesse, "
             f"{with_steps} mit Detailmodell.")


@corpus_group.command("import", help="Einen fremden Katalog importieren (KOOS, JSON oder CSV).")
@click.option("--format", "fmt", required=True, type=click.Choice(["koos", "json", "csv", "bpmn"]))
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--municipality", required=True, help="Kommune, der die Steckbriefe gehören.")
@click.option("--land", default=None, help="Bundesland der Kommune.")
@click.option("--strict", is_flag=True, help="Beim ersten fehlerhaften Eintrag abbrechen.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def import_command(fmt: str, path: Path, municipality: str, land: str | None, strict: bool, as_json: bool) -> None:
    if land is not None and land not in LAENDER:
        fail(f"Unbekanntes Bundesland „{land}“. Erlaubt: {', '.join(LAENDER)}.")
    municipality = municipality.strip()
    if not municipality:
        fail("Bitte eine Kommune angeben (--municipality).")
    files = _read_foreign(fmt, path, municipality, land)
    bar = _progress(len(files), f"Import {fmt}")
    owner = municipality_by_name(municipality, land)

    def municipality_for(session, profile):
        if fmt == "json" and profile.municipality and profile.municipality != municipality:
            return ensure_municipality(session, profile.municipality, profile.land)
        return owner(session, profile)

    try:
        report = store_files(database(), files, municipality_for, strict=strict,
                             note=f"Import {fmt}: {path.name}", progress=bar.update)
    except StrictImportAborted as exc:
        bar.close()
        fail(f"Import abgebrochen (--strict): {exc}")
        return
    bar.close()
    _update_index(report.changed_ids)
    for error in report.errors:
        info(f"Fehler in {error.file}: {error.error}")
    if as_json:
        emit_json(report.as_dict())
    else:
        info(f"{report.imported} importiert ({report.created} neu, {report.updated} aktualisiert), "
             f"{report.unchanged} unverändert, {len(report.errors)} Fehler.")


def _update_index(ids: list[int]) -> None:
    """Imported and changed profiles are searchable at once."""
    if not ids:
        return
    from app import search as search_service

    with database().session() as session:
        for start in range(0, len(ids), 500):
            search_service.sync_ids(session, ids[start:start + 500])


def _read_foreign(fmt: str, path: Path, municipality: str, land: str | None) -> list[ParsedFile]:
    if fmt == "koos":
        from app.corpus.koos import read_koos

        if not path.is_dir():
            fail(f"Ein KOOS-Katalog ist ein Ordner; {path} ist keiner.")
        return read_koos(path, municipality=municipality, land=land)
    if fmt == "bpmn":
        return [_read_bpmn_file(p, municipality, land) for p in
                (sorted(path.glob("*.bpmn")) + sorted(path.glob("*.xml")) if path.is_dir() else [path])]
    if fmt == "csv":
        from app.corpus.csv_register import read_csv_register

        paths = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        return [read_csv_register(p, municipality=municipality, land=land) for p in paths]
    from app.corpus.json_format import read_json

    files = read_json(path)
    for parsed in files:  # our own exports name their municipality; keep it, else use the option
        for profile in parsed.profiles:
            if not profile.municipality:
                profile.municipality, profile.land = municipality, land
    return files


def _read_bpmn_file(path: Path, municipality: str, land: str | None) -> ParsedFile:
    """One BPMN file → one profile; its file name is the external id so re-imports update."""
    from app.bpmn.importer import BpmnImportError, from_bpmn
    from app.corpus.results import CorpusError

    try:
        if path.stat().st_size > 10 * 1024 * 1024:
            raise BpmnImportError("Die Datei ist größer als 10 MB.")
        profile = from_bpmn(path.read_bytes())
    except (OSError, BpmnImportError) as exc:
        return ParsedFile(str(path), errors=[CorpusError(str(path), str(exc))])
    profile = profile.model_copy(update={"external_id": profile.external_id or f"bpmn:{path.stem}",
                                         "municipality": municipality, "land": land, "state": "published",
                                         "visibility": "netzwerk", "source": f"BPMN: {path.name}"})
    return ParsedFile(str(path), profiles=[profile])


@corpus_group.command("export", help="Steckbriefe exportieren (JSON oder KOOS).")
@click.option("--format", "fmt", required=True, type=click.Choice(["json", "koos"]))
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--municipality", default=None, help="Nur diese Kommune exportieren.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def export_command(fmt: str, outdir: Path, municipality: str | None, as_json: bool) -> None:
    with database().session() as session:
        query = select(ProfileRow).order_by(ProfileRow.id)
        if municipality:
            query = query.join(MunicipalityRow).where(MunicipalityRow.name == municipality)
        rows = list(session.scalars(query))
        profiles = [to_domain(row) for row in rows]
        default_rate = current_app.config["DEFAULT_HOURLY_RATE_EUR"]
        profile_figures = [{"external_id": p.external_id, **figures(p, row.municipality.hourly_rate_eur or default_rate)}
                           for p, row in zip(profiles, rows)]
    outdir.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        from app.corpus.json_format import write_json

        write_json(profiles, outdir, figures=profile_figures)
    else:
        from app.corpus.koos import write_koos

        write_koos(profiles, outdir)
    if as_json:
        emit_json({"written": len(profiles)})
    else:
        info(f"{len(profiles)} Steckbriefe nach {outdir} exportiert ({fmt}).")
