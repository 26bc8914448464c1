"""``flask users create``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.context import database
from app.domain import LAENDER
from app.storage.profiles import ensure_municipality
from app.storage.users import ROLES, UserError, create_user

from .output import fail, info


@click.group("users", help="Benutzer verwalten.")
def users_group() -> None:
    pass


@users_group.command("create", help="Benutzer anlegen (und die Kommune, falls es sie noch nicht gibt).")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--municipality", required=True)
@click.option("--land", default=None)
@with_appcontext
def create_command(username: str, password: str, role: str, municipality: str, land: str | None) -> None:
    if land is not None and land not in LAENDER:
        fail(f"Unbekanntes Bundesland „{land}“. Erlaubt: {', '.join(LAENDER)}.")
    try:
        with database().session() as session:
            row = ensure_municipality(session, municipality.strip(), land)
            create_user(session, username, password, role, row)
    except UserError as exc:
        fail(str(exc))
    info(f"Benutzer „{username}“ ({role}) für {municipality} angelegt.")
