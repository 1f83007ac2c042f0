#!/usr/bin/env bash
# One command for the whole test suite: installs what it needs, starts a real PostgreSQL and a real
# OpenSearch on 127.0.0.1, runs pytest against SQLite, PostgreSQL and both search backends, stops them.
# Extra arguments go to pytest (e.g. scripts/test.sh -k search -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/postgres.sh start
bash scripts/opensearch.sh start
cleanup() {
  if [ -z "${KEEP_SERVERS:-}" ]; then bash scripts/opensearch.sh stop || true; bash scripts/postgres.sh stop || true; fi
}
trap cleanup EXIT
export MARKETPLACE_TEST_POSTGRES_URL="$(bash scripts/postgres.sh url)"
export MARKETPLACE_TEST_OPENSEARCH_URL="$(bash scripts/opensearch.sh url)"
export HF_HUB_OFFLINE=1
.venv/bin/python -m pytest "$@"
