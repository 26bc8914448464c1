"""Item 1 of issue 17: the shipped nginx set-up keeps slow clients away from gunicorn's worker threads,
and ProxyFix trusts exactly the one hop it adds."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import slow_clients  # noqa: E402  (the same harness as the benchmark)


def test_nginx_config_renders_unprivileged_and_parses(tmp_path):
    nginx = slow_clients.nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (.ci/run installs it)")
    sys.path.insert(0, str(REPO / "deploy"))
    try:
        from render import render
    finally:
        sys.path.pop(0)
    text = render(listen="127.0.0.1:18080", upstream="127.0.0.1:18000", prefix=tmp_path)
    for directive in ("client_header_timeout", "client_body_timeout", "client_max_body_size",
                      "proxy_request_buffering on", "proxy_buffering on", "X-Forwarded-For $remote_addr",
                      "X-Forwarded-Proto $scheme"):
        assert directive in text
    assert "/var/" not in text and "/etc/" not in text and "listen 127.0.0.1:18080" in text
    (tmp_path / "nginx.conf").write_text(text)
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c",
                            str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_slow_clients_do_not_block_normal_requests_behind_nginx(tmp_path):
    if slow_clients.nginx_binary() is None:
        pytest.skip("nginx is not installed (.ci/run installs it)")
    stack = slow_clients.Stack(tmp_path)
    try:
        stack.start(proxy=True)
        # Bounded attack: 10 connections, one byte every 0.5 s for 7 s (slow headers and slow bodies to
        # /api/auth/token) against 1 worker with 2 threads. Directly on gunicorn this stalls every
        # request for the whole attack (bench/slow_clients.py measures both).
        result = slow_clients.measure(stack, connections=10, seconds=7, interval=0.5)
        assert result["requests"] >= 10
        assert result["max_s"] < 1.0, result

        # One trusted hop: nginx replaces a forged X-Forwarded-For; the app records the real address.
        httpx.post(f"{stack.base}/api/auth/token", json={"username": "niemand", "password": "falsch-falsch-1"},
                   headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
        database = Path(stack.env["PROZESSLOTSE_DATA_DIR"]) / "prozesslotse.db"
        with sqlite3.connect(database) as connection:
            addresses = {row[0] for row in connection.execute(
                "SELECT ip FROM login_attempt WHERE username = 'niemand'")}
        assert addresses == {"127.0.0.1"}
        # Bodies above the limit are refused by nginx, before gunicorn.
        big = httpx.post(f"{stack.base}/api/auth/token", content=b"x" * (11 * 1024 * 1024),
                         headers={"Content-Type": "application/json"}, timeout=30)
        assert big.status_code == 413
    finally:
        stack.stop()
