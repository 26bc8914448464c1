"""``flask db upgrade``: create or migrate the schema."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .output import info


@click.group("db", help="Datenbankschema verwalten.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Schema anlegen oder auf den neuesten Stand bringen.")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def upgrade_command(revision: str) -> None:
    # Alembic only when migrating: importing it costs a serving worker about 10 MB.
    from app.storage.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    info(f"Datenbankschema ist auf dem Stand „{revision}“.")
