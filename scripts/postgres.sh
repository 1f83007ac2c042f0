#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for tests and local use.
#   scripts/postgres.sh start   install (Debian package) if needed, init a cluster, start it, create the database
#   scripts/postgres.sh stop    stop it
#   scripts/postgres.sh url     print the SQLAlchemy URL
# Env: POSTGRES_PORT (5433), YIQI_RUN_DIR (/var/tmp/yiqi; not under /root, which the server user cannot enter), POSTGRES_DB (yiqi).
set -euo pipefail

PORT="${POSTGRES_PORT:-5433}"
DB="${POSTGRES_DB:-yiqi}"
CACHE="${YIQI_RUN_DIR:-/var/tmp/yiqi}"
DATA="$CACHE/postgres/data"
LOG="$CACHE/postgres/server.log"
RUN_AS="postgres"

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ]; then
    echo "installing PostgreSQL from Debian packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$dir"
}

as_owner() {
  # PostgreSQL refuses to run as root; run it as the unprivileged postgres user when we are root.
  if [ "$(id -u)" = 0 ]; then runuser -u "$RUN_AS" -- "$@"; else "$@"; fi
}

url() { echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"; }

start() {
  local bin; bin=$(pg_bin)
  mkdir -p "$CACHE/postgres"
  if [ "$(id -u)" = 0 ]; then
    id "$RUN_AS" >/dev/null 2>&1 || useradd --system --no-create-home "$RUN_AS"
    chown -R "$RUN_AS" "$CACHE/postgres"
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    echo "PostgreSQL already running on $PORT"
  else
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=/tmp -c fsync=off -c max_connections=100" start >/dev/null
  fi
  if ! as_owner "$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
  fi
  echo "PostgreSQL ready: $(url)"
}

stop() {
  local bin; bin=$(pg_bin)
  [ -f "$DATA/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
  echo "PostgreSQL stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
