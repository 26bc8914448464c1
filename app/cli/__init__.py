"""``flask --app app …`` commands (see ``shared/CONTRACT.md``).

With ``--json`` a command prints exactly one JSON object on standard output;
progress and logs go to standard error.
"""

from __future__ import annotations

from flask import Flask

from .corpus import corpus_group
from .db import db_group
from .export import export_group
from .index import index_group, search_command
from .users import users_group


def register_commands(app: Flask) -> None:
    for group in (db_group, users_group, corpus_group, index_group, search_command, export_group):
        app.cli.add_command(group)
