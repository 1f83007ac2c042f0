#!/usr/bin/env bash
# One command: install, create the SQLite database, load the bilingual demo catalogue, index it with the
# embedded search engine, then serve the marketplace on http://127.0.0.1:${PORT:-5000} with a live indexer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export FLASK_APP=app HF_HUB_OFFLINE=1
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
