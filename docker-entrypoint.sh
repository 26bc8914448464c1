#!/bin/sh
# Migrate, load the demo corpus and build the index before serving (all idempotent).
set -e
flask --app app db upgrade
if [ "${PROZESSLOTSE_LOAD_DEMO:-1}" = "1" ]; then
  flask --app app corpus load
fi
if [ ! -f "$PROZESSLOTSE_DATA_DIR/index/manifest.json" ]; then
  flask --app app index rebuild
fi
# nginx in front (buffering, timeouts, body limit, one trusted hop); gunicorn only on loopback.
NGINX_PREFIX="${NGINX_PREFIX:-/tmp/nginx}"
mkdir -p "$NGINX_PREFIX"
python deploy/render.py --listen "${LISTEN:-0.0.0.0:8000}" --upstream "127.0.0.1:8001" --prefix "$NGINX_PREFIX" \
  > "$NGINX_PREFIX/nginx.conf"
nginx -p "$NGINX_PREFIX" -e "$NGINX_PREFIX/error.log" -c "$NGINX_PREFIX/nginx.conf"
exec "$@"
