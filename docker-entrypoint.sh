#!/bin/sh
# Migrate, load the demo corpus and build the index before serving (all idempotent).
set -e
flask --app app db upgrade
if [ "${PROZESSLOTSE_LOAD_DEMO:-1}" = "1" ]; then
  flask --app app corpus load
fi
exec "$@"
