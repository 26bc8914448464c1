#!/usr/bin/env python3
"""Render deploy/nginx.conf for a listen address, an upstream (gunicorn) and a writable prefix directory.

Standard library only, so that the container entrypoint, the tests and the
benchmark use exactly the shipped configuration.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"


def render(*, listen: str, upstream: str, prefix: str | Path, daemon: bool = True, workers: int = 1,
           access_log: bool = True) -> str:
    prefix = Path(prefix).resolve()
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    values = {"user": getpass.getuser(), "listen": listen, "upstream": upstream, "prefix": str(prefix), "daemon": "on" if daemon else "off",
              "workers": str(workers), "access_log": f"{prefix}/access.log" if access_log else "off"}
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError(f"unfilled placeholder in {TEMPLATE}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:8080")
    parser.add_argument("--upstream", default="127.0.0.1:8000")
    parser.add_argument("--prefix", default="/tmp/prozesslotse-nginx")
    parser.add_argument("--foreground", action="store_true", help="daemon off (for a supervisor)")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    sys.stdout.write(render(listen=args.listen, upstream=args.upstream, prefix=args.prefix,
                            daemon=not args.foreground, workers=args.workers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
