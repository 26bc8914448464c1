"""Faults degrade instead of failing: a killed worker loses no clerk message, a vanished database
answers 503 and recovers without restart."""

from __future__ import annotations

import contextlib

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.storage.migrate import upgrade
from app.storage.models import InterviewMessageRow

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HangingServer:
    """Accepts connections and never answers: an LLM endpoint that is stuck."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connected = threading.Event()
        self.clients: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(client)
            self.connected.set()

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.sock.close()


def _worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_killing_a_worker_mid_request_loses_no_message(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'prozesslotse.db'}"
    upgrade(url)
    hanging = HangingServer()
    port = _free_port()
    env = dict(os.environ, PROZESSLOTSE_DATA_DIR=str(data_dir), DATABASE_URL=url, LLM_PROVIDER="openai",
               LLM_MODEL="stuck", LLM_BASE_URL=f"http://127.0.0.1:{hanging.port}/v1", LLM_TIMEOUT_SECONDS="120",
               GUNICORN_WORKERS="1", GUNICORN_THREADS="2")
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "users", "create", "--username", "clara", "--password", "lotsen-pass-2468", "--role", "clerk",
                    "--municipality", "Testdorf"], cwd=REPO, env=env, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
                               f"127.0.0.1:{port}", "app:create_app()"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        token = httpx.post(f"{base}/api/auth/token", json={"username": "clara", "password": "lotsen-pass-2468"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        interview = httpx.post(f"{base}/api/interviews", json={"retrieval": False}, headers=headers).json()
        text = "Ich bin im Ordnungsamt und stelle Fischereischeine aus."

        def send():
            try:
                httpx.post(f"{base}/api/interviews/{interview['id']}/messages", json={"text": text},
                           headers=headers, timeout=60)
            except httpx.HTTPError:
                pass  # the worker dies under this request

        sender = threading.Thread(target=send)
        sender.start()
        assert hanging.connected.wait(30), "the request never reached the (stuck) LLM"
        for pid in _worker_pids(server.pid):
            os.kill(pid, signal.SIGKILL)
        sender.join(30)

        engine = create_engine(url)
        with Session(engine) as session:
            stored = session.scalars(select(InterviewMessageRow.text).where(
                InterviewMessageRow.interview_id == interview["id"], InterviewMessageRow.role == "clerk")).all()
        engine.dispose()
        assert stored == [text]

        # The master starts a new worker; the conversation is still there.
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                body = httpx.get(f"{base}/api/interviews/{interview['id']}", headers=headers, timeout=5).json()
                break
            except (httpx.HTTPError, ValueError):
                time.sleep(0.5)
        assert [m["text"] for m in body["messages"] if m["role"] == "clerk"] == [text]
    finally:
        server.terminate()
        server.wait(20)
        hanging.close()


class TcpProxy:
    """A loopback proxy that can cut the connection to the database and restore it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = _free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    sink.sendall(data)
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.close()

    def stop(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept(); close() alone would not
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()
        self.sockets.clear()


def test_database_outage_answers_503_and_recovers(app_config, database_url, db_backend, make_user, db):
    from sqlalchemy.engine import make_url

    from app import create_app

    make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    proxy = None
    url = database_url
    if db_backend == "postgresql":
        parsed = make_url(database_url)
        proxy = TcpProxy(parsed.port or 5432)
        proxy.start()
        url = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = create_app(app_config | {"DATABASE_URL": url})
    client = app.test_client()
    token = client.post("/api/auth/token", json={"username": "anna", "password": "lotsen-pass-2468"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/healthz").status_code == 200

    if proxy is not None:
        proxy.stop()
    else:
        path = Path(url.removeprefix("sqlite:///"))
        app.extensions["prozesslotse.db"].dispose()
        db.dispose()
        for suffix in ("", "-wal", "-shm"):  # the whole database, journal included, goes away
            if Path(str(path) + suffix).exists():
                Path(str(path) + suffix).rename(str(path) + suffix + ".weg")
    try:
        down = client.post("/api/interviews", json={}, headers=headers)
        health = client.get("/healthz")
    finally:
        if proxy is not None:
            proxy.start()
        else:
            app.extensions["prozesslotse.db"].dispose()
            for suffix in ("", "-wal", "-shm"):
                empty = Path(str(path) + suffix)
                if empty.exists():
                    empty.unlink()  # what SQLite created while the database was gone
                if Path(str(empty) + ".weg").exists():
                    Path(str(empty) + ".weg").rename(empty)
    assert down.status_code == 503 and down.mimetype == "application/problem+json"
    assert "Datenbank" in down.get_json()["detail"]
    assert health.status_code == 503 and health.get_json()["database"]["ok"] is False
    again = client.post("/api/interviews", json={}, headers=headers)  # recovery without restart
    assert again.status_code == 201
    app.extensions["prozesslotse.db"].dispose()
    if proxy is not None:
        proxy.stop()
