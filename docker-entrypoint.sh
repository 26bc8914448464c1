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
exec "$@"
