#!/bin/sh
# nginx in front, then the command (app.serve: Chroma server, migration, demo corpus, index check, gunicorn).
set -e
NGINX_PREFIX="${NGINX_PREFIX:-/tmp/nginx}"
mkdir -p "$NGINX_PREFIX"
python deploy/render.py --listen "${LISTEN:-0.0.0.0:8000}" --upstream "127.0.0.1:8001" --prefix "$NGINX_PREFIX" \
  > "$NGINX_PREFIX/nginx.conf"
nginx -p "$NGINX_PREFIX" -e "$NGINX_PREFIX/error.log" -c "$NGINX_PREFIX/nginx.conf"
exec "$@"
