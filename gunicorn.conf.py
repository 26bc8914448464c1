"""Gunicorn settings; every value can be overridden with GUNICORN_* variables or flags."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads share one embedder per worker; more workers cost one model each.
workers = int(os.environ.get("GUNICORN_WORKERS", max(1, min(4, multiprocessing.cpu_count()))))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Longer than a typing pause, so chat clients reuse their connection instead of racing its close.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 15))
accesslog = "-"
errorlog = "-"
# Keep the model out of the master so each worker loads it lazily and a
# crashing worker never takes the others down.
preload_app = False


def on_starting(server):
    """Several processes cannot share Chroma's embedded index: refuse instead of corrupting it."""
    if server.cfg.workers > 1 and not os.environ.get("CHROMA_HOST"):
        raise SystemExit(
            "Prozesslotse: several gunicorn workers need a Chroma server (CHROMA_HOST); "
            "`make run` starts one. With the embedded index, run one worker (GUNICORN_WORKERS=1).")


def post_worker_init(worker):
    """Each worker loads the embedder and the tagger before it takes requests, then follows the index."""
    from app.warmup import serve

    serve(worker.wsgi)
