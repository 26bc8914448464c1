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


def _user(session, username: str):
    from sqlalchemy import select

    from app.storage.models import UserRow

    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        fail(f"Den Benutzer „{username}“ gibt es nicht.")
    return user


@users_group.command("grant-operator",
                     help="Netzbetrieb: der Benutzer verwaltet die Benutzer aller Kommunen (nur hier vergeben).")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="Die Rolle wieder entziehen.")
@with_appcontext
def grant_operator_command(username: str, revoke: bool) -> None:
    with database().session() as session:
        user = _user(session, username)
        if user.role != "admin" and not revoke:
            fail("Netzbetrieb kann nur ein Benutzer mit der Rolle „admin“ sein.")
        user.network_operator = not revoke
    info(f"„{username}“ ist {'nicht mehr ' if revoke else ''}Netzbetrieb.")


@users_group.command("set-password", help="Neues Passwort setzen; beendet alle Browser-Sitzungen des Benutzers.")
@click.option("--username", required=True)
@click.option("--password", required=True)
@with_appcontext
def set_password_command(username: str, password: str) -> None:
    from app.storage.users import set_password

    try:
        with database().session() as session:
            set_password(session, _user(session, username), password)
    except UserError as exc:
        fail(str(exc))
    info(f"Passwort für „{username}“ gesetzt; seine Sitzungen sind beendet.")


@users_group.command("unlock", help="Anmeldesperre aufheben (für einen Namen, eine Adresse oder beides).")
@click.option("--username", default=None)
@click.option("--address", default=None, help="IP-Adresse")
@with_appcontext
def unlock_command(username: str | None, address: str | None) -> None:
    from app.auth.throttle import unlock

    if not username and not address:
        fail("Bitte --username und/oder --address angeben.")
    with database().session() as session:
        removed = unlock(session, username, address)
    info(f"Anmeldesperre aufgehoben ({removed} Fehlversuche gelöscht).")
