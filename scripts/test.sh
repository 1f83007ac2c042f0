#!/usr/bin/env bash
# One command for the whole test suite: installs what it needs, lints (ruff over everything, mypy over
# search/ and indexer/, configured in pyproject.toml), starts a real PostgreSQL and a real OpenSearch on
# 127.0.0.1, installs Debian's Chromium for the browser tests, runs pytest against SQLite, PostgreSQL and
# both search backends, then stops the servers. Screenshots land in test-artifacts/e2e/.
# Extra arguments go to pytest (e.g. scripts/test.sh -k search -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/mypy search indexer
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ]; then
  # Browser tests drive Debian's Chromium (Playwright's own browser download is not reachable here).
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
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
