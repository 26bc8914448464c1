"""A production-shaped Prozesslotse on loopback: Chroma server, several gunicorn workers, a CLI beside them.

Used by ``bench/load.py`` and by the multi-process tests, so that both exercise
the service the way it is served. Every address is 127.0.0.1; everything started
here is stopped by ``Cluster.stop`` (or the context manager).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 90, *, accept: tuple[int, ...] = (200,)) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code in accept:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


def chroma_command(path: Path, port: int) -> list[str]:
    binary = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    return [binary, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]


@dataclass
class Job:
    process: subprocess.Popen
    out: Path
    err: Path

    def poll(self) -> int | None:
        return self.process.poll()

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    @property
    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")


@dataclass
class Cluster:
    """Chroma server + gunicorn (``workers`` processes) over one data dir and database."""

    data_dir: Path
    database_url: str
    workers: int = 3
    threads: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    log: IO[Any] | int = subprocess.DEVNULL
    port: int = field(default_factory=free_port)
    chroma_port: int = field(default_factory=free_port)
    chroma: subprocess.Popen | None = None
    server: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return dict(os.environ, PROZESSLOTSE_DATA_DIR=str(self.data_dir), DATABASE_URL=self.database_url,
                    CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(self.chroma_port), GUNICORN_WORKERS=str(self.workers),
                    GUNICORN_THREADS=str(self.threads), ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1",
                    PYTHONPATH=str(REPO), **self.extra_env)

    def start_chroma(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.chroma = subprocess.Popen(chroma_command(self.data_dir / "chroma", self.chroma_port),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(f"http://127.0.0.1:{self.chroma_port}/api/v2/heartbeat", 60)

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=REPO, env=self.env,
                              check=check, capture_output=True, text=True)

    def flask_background(self, *args: str) -> "Job":
        """A ``flask`` command running beside the app; its output goes to files, never a full pipe."""
        name = "-".join(a for a in args[:2] if not a.startswith("-"))
        out, err = self.data_dir / f"{name}.out", self.data_dir / f"{name}.err"
        with open(out, "w") as stdout, open(err, "w") as stderr:
            process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", *args], cwd=REPO,
                                       env=self.env, stdout=stdout, stderr=stderr)
        return Job(process, out, err)

    def start_server(self, *, ready_workers: int | None = None, timeout: float = 120) -> None:
        self.server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
                                        f"127.0.0.1:{self.port}", "app:create_app()"], cwd=REPO, env=self.env,
                                       stdout=self.log, stderr=self.log)
        wait_for(f"{self.base}/healthz", timeout)
        self.wait_for_workers(ready_workers or self.workers, timeout)

    def wait_for_workers(self, count: int, timeout: float = 120) -> list[dict[str, Any]]:
        """Until ``count`` workers report the current index (each loads its models first)."""
        deadline = time.time() + timeout
        workers: list[dict[str, Any]] = []
        while time.time() < deadline:
            try:
                index = httpx.get(f"{self.base}/healthz", timeout=5).json().get("index", {})
                workers = [w for w in index.get("workers", []) if not w["stale"]]
                if len(workers) >= count:
                    return workers
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"only {len(workers)} of {count} workers reported within {timeout:.0f} s")

    def stop(self) -> None:
        for process in (self.server, self.chroma):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
