"""``python -m app.serve``: what ``make run`` runs — the whole service on one machine.

Several gunicorn workers and any CLI job beside them must share one vector
index, and Chroma's embedded client belongs to a single process. So unless
``CHROMA_HOST`` points at a server already, this starts ``chroma run`` on
loopback over ``<data dir>/chroma``, waits until it answers, records it in
``<data dir>/chroma-server.json`` (so ``flask`` commands run beside the app
find it), migrates, loads the demo corpus (unless ``PROZESSLOTSE_LOAD_DEMO=0``),
rebuilds the index if ``index check`` finds it incomplete, and serves with
gunicorn. When gunicorn stops, the Chroma server it started stops too.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.config import CHROMA_SERVER_FILE, data_dir_from_env

DEFAULT_CHROMA_PORT = 8001


def start_chroma(data_dir: Path, port: int, *, timeout: float = 90.0) -> subprocess.Popen:
    binary = Path(sys.executable).with_name("chroma")
    log = open(data_dir / "chroma-server.log", "ab")
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    process = subprocess.Popen([str(binary), "run", "--path", str(data_dir / "chroma"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"Chroma-Server ist beim Start beendet worden (siehe {data_dir / 'chroma-server.log'}).")
        if chroma_answers("127.0.0.1", port):
            return process
        time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"Chroma-Server antwortet nach {timeout:.0f} s nicht auf Port {port}.")


def chroma_answers(host: str, port: int) -> bool:
    try:
        return httpx.get(f"http://{host}:{port}/api/v2/heartbeat", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def flask(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], env=env, check=True)


def announce_setup(data_dir: Path, env: dict[str, str], bind: str) -> None:
    """No user yet: print the one-time set-up link (app/first_run.py), so the newcomer finds the way in."""
    from app.first_run import token_if_needed

    try:
        token = token_if_needed(data_dir, env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'prozesslotse.db'}")
    except Exception as exc:  # noqa: BLE001 - e.g. --no-setup on an empty database: serving still starts
        print(f"Einrichtung nicht geprüft: {exc}", file=sys.stderr)
        return
    if token:
        host = bind.replace("0.0.0.0", "127.0.0.1")
        print(f"Noch kein Benutzerkonto. Einrichten: http://{host}/einrichten?token={token}", file=sys.stderr,
              flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Prozesslotse mit Chroma-Server und gunicorn starten.")
    parser.add_argument("--bind", default=os.environ.get("GUNICORN_BIND", "127.0.0.1:8000"))
    parser.add_argument("--no-setup", action="store_true",
                        help="Nur starten: keine Migration, kein Demo-Korpus, kein Neuaufbau des Index.")
    args = parser.parse_args(argv)

    data_dir = data_dir_from_env()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PROZESSLOTSE_DATA_DIR=str(data_dir), ANONYMIZED_TELEMETRY="False")
    chroma: subprocess.Popen | None = None
    discovery = data_dir / CHROMA_SERVER_FILE
    if not env.get("CHROMA_HOST"):
        port = int(env.get("CHROMA_PORT") or DEFAULT_CHROMA_PORT)
        chroma = start_chroma(data_dir, port)
        env.update(CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port))
        discovery.write_text(json.dumps({"host": "127.0.0.1", "port": port, "pid": chroma.pid}), encoding="utf-8")
        print(f"Chroma-Server läuft auf 127.0.0.1:{port} (Daten: {data_dir / 'chroma'}).", file=sys.stderr)
    server: subprocess.Popen | None = None
    try:
        if not args.no_setup:
            flask("db", "upgrade", env=env)
            if env.get("PROZESSLOTSE_LOAD_DEMO", "1") == "1":
                flask("corpus", "load", env=env)
            # Loading keeps the index current; rebuild only what an upgrade or a lost index left behind.
            if subprocess.run([sys.executable, "-m", "flask", "--app", "app", "index", "check"], env=env,
                              capture_output=True).returncode != 0:
                flask("index", "rebuild", env=env)
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", args.bind,
                                   "app:create_app()"], env=env)
        print(f"Prozesslotse startet auf http://{args.bind} …", file=sys.stderr)
        announce_setup(data_dir, env, args.bind)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda signum, _frame: server.send_signal(signum))  # type: ignore[union-attr]
        return server.wait()
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(30)
        if chroma is not None:
            chroma.terminate()
            try:
                chroma.wait(20)
            except subprocess.TimeoutExpired:
                chroma.kill()
            discovery.unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(main())
