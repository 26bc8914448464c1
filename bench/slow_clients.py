"""Slow-client attack on loopback, with and without the shipped nginx in front of gunicorn.

    python -m bench.slow_clients --json [--seconds 8] [--connections 10]

Starts a throw-away data dir, gunicorn (1 worker, 2 threads: small on
purpose, so a few slow clients would fill it) and nginx from deploy/. Then
``connections`` sockets trickle one byte every ``interval`` seconds: half send
their headers slowly, half a slow body to ``/api/auth/token`` (no login
needed). Meanwhile normal requests (``/healthz``, a sign-in, an
authenticated API read) are timed. Prints JSON with the latencies per set-up.
The test ``tests/test_proxy.py`` uses the same functions, bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
USER, PASSWORD = "langsam", "lotsen-pass-2468"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


@dataclass
class Stack:
    """gunicorn (and optionally nginx) on loopback ports, over a fresh data dir."""

    root: Path
    app_port: int = field(default_factory=free_port)
    proxy_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def start(self, *, proxy: bool, threads: int = 2) -> None:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ, PROZESSLOTSE_DATA_DIR=str(data), PYTHONPATH=str(REPO),
                        DATABASE_URL=f"sqlite:///{data / 'prozesslotse.db'}", GUNICORN_WORKERS="1",
                        GUNICORN_THREADS=str(threads), TRUSTED_PROXIES="1" if proxy else "0",
                        HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
        self.env.pop("LLM_PROVIDER", None)
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=self.env, check=True, capture_output=True)
        subprocess.run([*flask, "users", "create", "--username", USER, "--password", PASSWORD, "--role", "clerk",
                        "--municipality", "Langsamdorf", "--land", "Sachsen"], cwd=REPO, env=self.env, check=True,
                       capture_output=True)
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.app_port}",
             "--access-logfile", "/dev/null", "app:create_app()"], cwd=REPO, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for(f"http://127.0.0.1:{self.app_port}/healthz")
        if proxy:
            self._start_nginx()
            _wait_for(self.base + "/healthz")

    def _start_nginx(self) -> None:
        sys.path.insert(0, str(REPO / "deploy"))
        try:
            from render import render  # deploy/render.py
        finally:
            sys.path.pop(0)
        prefix = self.root / "nginx"
        prefix.mkdir(exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(render(listen=f"127.0.0.1:{self.proxy_port}", upstream=f"127.0.0.1:{self.app_port}",
                               prefix=prefix, daemon=False), encoding="utf-8")
        self.processes.append(subprocess.Popen(
            [nginx_binary() or "nginx", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.proxied = True

    proxied: bool = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port if self.proxied else self.app_port}"

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def slow_clients(host: str, port: int, *, connections: int, seconds: float, interval: float,
                 stop: threading.Event) -> list[threading.Thread]:
    """Half trickle their headers, half a body to /api/auth/token; one byte per ``interval``, for ``seconds``."""

    def run(index: int) -> None:
        deadline = time.time() + seconds
        try:
            sock = socket.create_connection((host, port), timeout=5)
        except OSError:
            return
        with sock:
            try:
                if index % 2 == 0:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    trickle = b"X-Slow: " + b"a" * 10_000
                else:
                    sock.sendall(b"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 b"Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n")
                    trickle = b'{"username": "' + b"a" * 9_000
                for byte in trickle:
                    if stop.is_set() or time.time() >= deadline:
                        return
                    sock.sendall(bytes([byte]))
                    stop.wait(interval)
            except OSError:
                return  # closed by the server: that is the defence working

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    return threads


def sign_in(base: str) -> dict[str, str]:
    token = httpx.post(f"{base}/api/auth/token", json={"username": USER, "password": PASSWORD}, timeout=30)
    return {"Authorization": f"Bearer {token.json()['token']}"}


def normal_requests(base: str, headers: dict[str, str], *, seconds: float, pause: float = 0.2,
                    timeout: float = 20) -> list[float]:
    """Latencies (s) of ordinary requests made during the attack; a timeout counts as ``timeout``."""
    latencies: list[float] = []
    deadline = time.time() + seconds
    calls = [lambda c: c.get(f"{base}/healthz"), lambda c: c.get(f"{base}/api/catalogue/kinds", headers=headers),
             lambda c: c.get(f"{base}/api/processes/1", headers=headers),
             lambda c: c.post(f"{base}/api/auth/token", json={"username": USER, "password": "falsch-falsch-1"})]
    i = 0
    while time.time() < deadline:
        started = time.perf_counter()
        try:
            with httpx.Client(timeout=timeout) as client:  # a new connection each time, like a new visitor
                status = calls[i % len(calls)](client).status_code
            if status >= 500 and status != 503:
                raise RuntimeError(f"status {status}")
            latencies.append(time.perf_counter() - started)
        except httpx.HTTPError:
            latencies.append(timeout)
        i += 1
        time.sleep(pause)
    return latencies


def measure(stack: Stack, *, connections: int, seconds: float, interval: float) -> dict:
    stop = threading.Event()
    # Signed in before the attack starts: the attack is on the workers, not on the login.
    headers = sign_in(stack.base)
    port = stack.proxy_port if stack.proxied else stack.app_port
    attackers = slow_clients("127.0.0.1", port, connections=connections, seconds=seconds, interval=interval,
                             stop=stop)
    time.sleep(min(1.5, seconds / 4))  # let every slow connection get in first
    try:
        latencies = normal_requests(stack.base, headers, seconds=seconds - 2, timeout=max(5.0, seconds))
    finally:
        stop.set()
        for thread in attackers:
            thread.join(5)
    ordered = sorted(latencies)
    return {"requests": len(latencies), "max_s": round(ordered[-1], 3),
            "p50_s": round(ordered[len(ordered) // 2], 3),
            "p95_s": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between two bytes")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result: dict = {"connections": args.connections, "seconds": args.seconds, "byte_interval_s": args.interval,
                    "gunicorn": "1 worker, 2 threads"}
    for name, proxy in (("direct", False), ("nginx", True)):
        if proxy and nginx_binary() is None:
            result[name] = {"error": "nginx not installed"}
            continue
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(Path(tmp))
            try:
                stack.start(proxy=proxy)
                result[name] = measure(stack, connections=args.connections, seconds=args.seconds,
                                       interval=args.interval)
            finally:
                stack.stop()
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
