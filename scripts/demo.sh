#!/usr/bin/env bash
# One command: install, create the SQLite database, load the bilingual demo catalogue, index it with the
# embedded search engine, then serve the marketplace on http://127.0.0.1:${PORT:-5000} with a live indexer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export FLASK_APP=app HF_HUB_OFFLINE=1
# The app refuses to start without a secret key: the demo makes a random one on first run and keeps it,
# readable by this user only, so sessions survive restarts (an explicit MARKETPLACE_SECRET_KEY wins).
if [ -z "${MARKETPLACE_SECRET_KEY:-}" ]; then
  mkdir -p instance
  [ -s instance/secret_key ] || (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_hex(32))' > instance/secret_key)
  MARKETPLACE_SECRET_KEY=$(cat instance/secret_key)
  export MARKETPLACE_SECRET_KEY
fi
flask() { .venv/bin/flask "$@"; }
flask db upgrade
flask demo seed
flask indexer run --until-idle
# An index left by an earlier run is rebuilt if its terms came from other dictionaries or its format is older.
flask indexer verify --repair
flask indexer run &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Yiqi Match is at http://127.0.0.1:${PORT:-5000}  (Ctrl-C stops it)"
flask run --host 127.0.0.1 --port "${PORT:-5000}"
