"""Configuration from the environment (see ``shared/CONTRACT.md``).

Everything a deployment changes is an environment variable; tests pass a
dict to ``create_app`` instead. Nothing here touches the network.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any


# Written by ``python -m app.serve`` (``make run``) while it runs a Chroma server for this data dir.
CHROMA_SERVER_FILE = "chroma-server.json"


def _data_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("PROZESSLOTSE_DATA_DIR") or "instance").resolve()


def data_dir_from_env() -> Path:
    return _data_dir(None)


def running_chroma_server(data_dir: Path) -> tuple[str, int] | None:
    """The Chroma server ``make run`` started for this data dir, if it still runs.

    So that ``flask corpus import`` or ``flask index rebuild`` beside a serving
    app write through the same server instead of opening the directory embedded.
    """
    path = data_dir / CHROMA_SERVER_FILE
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
        return str(info["host"]), int(info["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _secret_key(data_dir: Path) -> str:
    """A stable secret per data dir, so sessions survive restarts without configuration."""
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    data_dir = _data_dir(overrides.get("DATA_DIR"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ.get
    config: dict[str, Any] = {
        "DATA_DIR": data_dir,
        "DATABASE_URL": env("DATABASE_URL") or f"sqlite:///{data_dir / 'prozesslotse.db'}",
        "CHROMA_HOST": env("CHROMA_HOST") or None,
        "CHROMA_PORT": int(env("CHROMA_PORT") or 8000),
        "EMBEDDING_BACKEND": env("EMBEDDING_BACKEND") or "use",
        "EMBEDDING_MODEL": env("EMBEDDING_MODEL") or None,
        # Vectors are projected to this many dimensions before indexing ("full": none);
        # default: the backend's shipped projection (USE: 256), see retrieval/projection.py.
        "EMBEDDING_DIMENSIONS": env("EMBEDDING_DIMENSIONS") or None,
        # Shared across data dirs when set (tests, benchmarks); default: DATA_DIR/cache.
        "EMBEDDING_CACHE_DIR": env("EMBEDDING_CACHE_DIR") or None,
        # This host's memory-mapped lexical index files (retrieval/lexical_cache.py), on local disk;
        # default: DATA_DIR/index-cache. Derived from the database, safe to delete.
        "INDEX_CACHE_DIR": env("INDEX_CACHE_DIR") or None,
        "LLM_PROVIDER": env("LLM_PROVIDER") or None,
        "LLM_MODEL": env("LLM_MODEL") or None,
        "LLM_BASE_URL": env("LLM_BASE_URL") or None,
        "LLM_API_KEY": env("LLM_API_KEY") or None,
        "LLM_TIMEOUT_SECONDS": float(env("LLM_TIMEOUT_SECONDS") or 20),
        # function_calling | json_schema | json_mode | parser (plain JSON parsed by PydanticOutputParser)
        "LLM_STRUCTURED_METHOD": env("LLM_STRUCTURED_METHOD") or None,
        "DEFAULT_HOURLY_RATE_EUR": float(env("DEFAULT_HOURLY_RATE_EUR") or 60),
        # 1 MB JSON bodies; import uploads get their own, larger limit.
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "MAX_JSON_BYTES": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": (env("SESSION_COOKIE_SECURE") or "").lower() in ("1", "true", "yes"),
        "JSON_SORT_KEYS": False,
        # Behind the shipped nginx set-up: 1 (exactly one trusted hop; X-Forwarded-For/-Proto/-Host).
        # 0: no proxy, X-Forwarded-* headers are ignored.
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES") or env("PROXY_FIX") or 0),
        "TOKEN_LIFETIME_DAYS": float(env("TOKEN_LIFETIME_DAYS") or 90),
        # A clerk message being answered is leased this long; a retry after that answers it anew.
        "INTERVIEW_LEASE_SECONDS": float(env("INTERVIEW_LEASE_SECONDS") or 0) or None,
        # Read-only requests and /healthz wait at most this long for a database lock, then answer 503.
        "DB_READ_TIMEOUT_SECONDS": float(env("DB_READ_TIMEOUT_SECONDS") or 3),
        "DB_WRITE_TIMEOUT_SECONDS": float(env("DB_WRITE_TIMEOUT_SECONDS") or 30),
        # Optional e-mail (notices, password-reset links); unset SMTP_HOST: no e-mail is sent.
        "SMTP_HOST": env("SMTP_HOST") or None,
        "SMTP_PORT": int(env("SMTP_PORT") or 587),
        "SMTP_USER": env("SMTP_USER") or None,
        "SMTP_PASSWORD": env("SMTP_PASSWORD") or None,
        "SMTP_FROM": env("SMTP_FROM") or None,
        "SMTP_STARTTLS": (env("SMTP_STARTTLS") or "true").lower() in ("1", "true", "yes"),
        "SMTP_TIMEOUT_SECONDS": float(env("SMTP_TIMEOUT_SECONDS") or 10),
        # Links in e-mails; default: the address the request came in on.
        "PUBLIC_URL": (env("PUBLIC_URL") or "").rstrip("/") or None,
        "PASSWORD_RESET_MINUTES": int(env("PASSWORD_RESET_MINUTES") or 60),
    }
    if not config["CHROMA_HOST"] and "CHROMA_HOST" not in overrides:
        server = running_chroma_server(data_dir)
        if server:
            config["CHROMA_HOST"], config["CHROMA_PORT"] = server
    config.update(overrides)
    config["DATA_DIR"] = data_dir
    config.setdefault("SECRET_KEY", _secret_key(data_dir))
    return config
