"""Output helpers: JSON to stdout, everything else to stderr."""

from __future__ import annotations

import json
import sys

import click


def emit_json(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def info(message: str) -> None:
    click.echo(message, err=True)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"Fehler: {message}", err=True)
    raise SystemExit(code)
