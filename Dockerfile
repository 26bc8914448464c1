# Prozesslotse container: CPU-only torch, non-root, nginx in front of gunicorn, health check.
# nginx (Debian's package, deploy/nginx.conf) is the only listener on port 8000; gunicorn's threaded
# workers sit on 127.0.0.1:8001 and never see a slow client (issue 17).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PROZESSLOTSE_DATA_DIR=/data \
    HF_HUB_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    TRUSTED_PROXIES=1 \
    CHROMA_PORT=8002

RUN apt-get update \
 && apt-get install -y --no-install-recommends curl nginx \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 prozesslotse

WORKDIR /srv/prozesslotse

# CPU build of torch before anything that depends on it.
RUN pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY app ./app
COPY retrieval ./retrieval
COPY bench ./bench
RUN pip install .

COPY corpus ./corpus
COPY prompts ./prompts
COPY deploy ./deploy
COPY gunicorn.conf.py docker-entrypoint.sh ./

RUN mkdir -p /data && chown prozesslotse:prozesslotse /data
USER prozesslotse
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1

ENTRYPOINT ["./docker-entrypoint.sh"]
# app.serve starts the Chroma server (127.0.0.1:8002) that the gunicorn workers share, migrates, loads the demo
# corpus, checks the index and serves gunicorn on 127.0.0.1:8001 behind nginx.
CMD ["python", "-m", "app.serve", "--bind", "127.0.0.1:8001"]
