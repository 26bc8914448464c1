"""``flask export bpmn (--all | --id ID) OUTDIR``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.context import database
from app.storage.models import ProfileRow
from app.storage.profiles import to_domain

from .output import emit_json, fail, info


@click.group("export", help="Modelle exportieren.")
def export_group() -> None:
    pass


@export_group.command("bpmn", help="BPMN-2.0-Dateien OUTDIR/<id>.bpmn für Steckbriefe mit Schritten schreiben.")
@click.option("--all", "all_", is_flag=True, help="Alle Steckbriefe mit Schritten.")
@click.option("--id", "profile_id", type=int, default=None, help="Nur diesen Steckbrief.")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def bpmn_command(all_: bool, profile_id: int | None, outdir: Path, as_json: bool) -> None:
    from app.bpmn.export import to_bpmn

    if all_ == (profile_id is not None):
        fail("Bitte genau eine Auswahl angeben: --all oder --id ID.")
    with database().session() as session:
        query = select(ProfileRow).where(ProfileRow.step_count > 0).order_by(ProfileRow.id)
        if profile_id is not None:
            query = query.where(ProfileRow.id == profile_id)
        rows = list(session.scalars(query))
        if profile_id is not None and not rows:
            fail(f"Einen Steckbrief {profile_id} mit Schritten gibt es nicht.")
        outdir.mkdir(parents=True, exist_ok=True)
        for row in rows:
            (outdir / f"{row.id}.bpmn").write_bytes(to_bpmn(to_domain(row)))
    if as_json:
        emit_json({"written": len(rows)})
    else:
        info(f"{len(rows)} BPMN-Dateien nach {outdir} geschrieben.")
