#!/usr/bin/env bash
# Runs a PostgreSQL server from Debian's packages (/usr/lib/postgresql/<version>/bin) with its own
# data folder and a loopback-only port, for the tests and for trying the authority on PostgreSQL
# on machines without Docker. No system service is touched (the package's own cluster, if any,
# keeps running on its own port).
#
#   postgres.sh start    initdb on first use, start (or find running) and wait until it accepts
#                        connections; prints the URL last (postgres://revmesh@127.0.0.1:<port>/revmesh)
#   postgres.sh stop     fast shutdown (immediate after 30 s); idempotent
#   postgres.sh status   exit 0 and print the URL if it accepts connections, exit 3 if not
#   postgres.sh url      print the URL of this data folder's server (running or not); exit 3 before the first start
#
# Environment: REVMESH_PG_DIR (deploy/postgres/data; run as root from a repo the server's user
# cannot enter, /tmp/revmesh-postgres-<hash of the repo path>), POSTGRES_PORT (a free port from 25432 up,
# chosen on the first start and kept), POSTGRES_BIN_DIR (the newest /usr/lib/postgresql/*/bin),
# POSTGRES_USER_OS (the OS user the server runs as when started by root: postgres),
# POSTGRES_START_TIMEOUT (60 s).
#
# Authentication is `trust` for TCP from 127.0.0.1/::1 only (listen_addresses=127.0.0.1, no Unix
# socket): anyone with a shell on this machine can connect as the superuser `revmesh`. This is a
# test and demo server, not a production one.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

REVMESH_PG_DIR_SET=${REVMESH_PG_DIR:+yes}
REVMESH_PG_DIR=${REVMESH_PG_DIR:-$SCRIPT_DIR/data}
POSTGRES_PORT=${POSTGRES_PORT:-}
POSTGRES_BIN_DIR=${POSTGRES_BIN_DIR:-}
POSTGRES_USER_OS=${POSTGRES_USER_OS:-postgres}
POSTGRES_START_TIMEOUT=${POSTGRES_START_TIMEOUT:-60}
POSTGRES_STOP_TIMEOUT=30
HOST=127.0.0.1
# The superuser initdb creates, and the database start creates for it: the URL's user and path.
DB_USER=revmesh
DB_NAME=revmesh
# Where a port is searched for when neither POSTGRES_PORT nor an earlier start chose one.
FIRST_FREE_PORT=25432

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") <start|stop|status|url>

  start    initdb on first use, start the server unless it runs, wait until it accepts
           connections (timeout POSTGRES_START_TIMEOUT=${POSTGRES_START_TIMEOUT}s); print the URL last
  stop     stop the server of REVMESH_PG_DIR (fast, then immediate after ${POSTGRES_STOP_TIMEOUT}s)
  status   print the URL and exit 0 if it accepts connections; exit 3 if not
  url      print the URL (running or not); exit 3 before the first start

environment: REVMESH_PG_DIR=${REVMESH_PG_DIR} POSTGRES_PORT=${POSTGRES_PORT:-<free, from $FIRST_FREE_PORT>}
             POSTGRES_BIN_DIR=${POSTGRES_BIN_DIR:-<newest /usr/lib/postgresql/*/bin>} POSTGRES_USER_OS=${POSTGRES_USER_OS} (when root)
EOF
}

# Run as root with the repo under a folder POSTGRES_USER_OS cannot enter (a clone in /root), the
# default data folder is unusable: then it is one per repo under /tmp, the same on every call.
default_dir_fallback() {
  [[ -z $REVMESH_PG_DIR_SET && $(id -u) -eq 0 ]] || return 0
  id -u "$POSTGRES_USER_OS" >/dev/null 2>&1 || return 0
  runuser -u "$POSTGRES_USER_OS" -- test -x "$SCRIPT_DIR" 2>/dev/null && return 0
  REVMESH_PG_DIR=${TMPDIR:-/tmp}/revmesh-postgres-$(printf '%s' "$SCRIPT_DIR" | sha256sum | cut -c1-12)
  log "user $POSTGRES_USER_OS cannot reach $SCRIPT_DIR; data folder $REVMESH_PG_DIR (set REVMESH_PG_DIR to choose)"
}

validate_env() {
  default_dir_fallback
  [[ $POSTGRES_START_TIMEOUT =~ ^[0-9]+$ ]] || die "POSTGRES_START_TIMEOUT must be a number, got '$POSTGRES_START_TIMEOUT'"
  if [[ -n $POSTGRES_PORT ]]; then
    [[ $POSTGRES_PORT =~ ^[0-9]+$ ]] && ((POSTGRES_PORT > 0 && POSTGRES_PORT < 65536)) ||
      die "POSTGRES_PORT must be a port number (1..65535), got '$POSTGRES_PORT'"
  fi
  mkdir -p "$REVMESH_PG_DIR"
  # Absolute, because the server and pg_ctl run from another working directory.
  REVMESH_PG_DIR=$(cd "$REVMESH_PG_DIR" && pwd)
  PGDATA_DIR=$REVMESH_PG_DIR/pgdata
  PORT_FILE=$REVMESH_PG_DIR/port
  SERVER_LOG=$REVMESH_PG_DIR/server.log
  # Included from postgresql.conf; rewritten on each start so a changed port takes effect.
  LOCAL_CONF=$PGDATA_DIR/revmesh.conf
}

# --- binaries and user ------------------------------------------------------------------

find_bin_dir() {
  if [[ -n $POSTGRES_BIN_DIR ]]; then
    [[ -x $POSTGRES_BIN_DIR/pg_ctl && -x $POSTGRES_BIN_DIR/initdb ]] || die "POSTGRES_BIN_DIR=$POSTGRES_BIN_DIR holds no pg_ctl/initdb"
    return 0
  fi
  local dir best='' best_version=0 version
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x $dir/pg_ctl && -x $dir/initdb ]] || continue
    version=$(basename "$(dirname "$dir")")
    [[ $version =~ ^[0-9]+$ ]] || continue
    if ((version > best_version)); then best=$dir; best_version=$version; fi
  done
  [[ -n $best ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install Debian's: apt-get install -y --no-install-recommends postgresql (or set POSTGRES_BIN_DIR)"
  POSTGRES_BIN_DIR=$best
}

pg_version() { "$POSTGRES_BIN_DIR/postgres" --version | sed -E 's/.* ([0-9]+(\.[0-9]+)?).*/\1/'; }

# PostgreSQL refuses to run as root: then the server (initdb, pg_ctl) runs as POSTGRES_USER_OS,
# which owns the data folder; otherwise as the calling user.
as_server() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$POSTGRES_USER_OS" -- "$@"
  else
    "$@"
  fi
}

prepare_ownership() {
  [[ $(id -u) -eq 0 ]] || return 0
  command -v runuser >/dev/null || die "runuser (util-linux) is needed to run PostgreSQL as $POSTGRES_USER_OS when started as root"
  id -u "$POSTGRES_USER_OS" >/dev/null 2>&1 ||
    die "user $POSTGRES_USER_OS does not exist (Debian's postgresql package creates it); create it or set POSTGRES_USER_OS to a non-root user"
  chown "$POSTGRES_USER_OS:" "$REVMESH_PG_DIR"
  chmod 0700 "$REVMESH_PG_DIR"
  # Every folder above must be searchable by that user (a clone under /root is not).
  as_server test -x "$REVMESH_PG_DIR" -a -w "$REVMESH_PG_DIR" ||
    die "user $POSTGRES_USER_OS cannot reach $REVMESH_PG_DIR (a parent folder is private?); set REVMESH_PG_DIR to a folder it can reach, e.g. /tmp/revmesh-postgres"
}

# --- server -----------------------------------------------------------------------------

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# The port this data folder's server uses: POSTGRES_PORT, else the one kept from an earlier start.
configured_port() {
  if [[ -n $POSTGRES_PORT ]]; then
    printf '%s\n' "$POSTGRES_PORT"
  elif [[ -s $PORT_FILE ]]; then
    cat "$PORT_FILE"
  else
    return 1
  fi
}

# The running server's port comes from its own pid file (line 4), not from this shell's settings.
running_port() { sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null; }

choose_port() {
  local port
  if port=$(configured_port); then
    printf '%s\n' "$port"
    return 0
  fi
  for ((port = FIRST_FREE_PORT; port < FIRST_FREE_PORT + 200; port++)); do
    port_open "$port" || { printf '%s\n' "$port"; return 0; }
  done
  die "no free port in $FIRST_FREE_PORT..$((FIRST_FREE_PORT + 199)); set POSTGRES_PORT"
}

url_for() { printf 'postgres://%s@%s:%s/%s\n' "$DB_USER" "$HOST" "$1" "$DB_NAME"; }

server_running() { [[ -f $PGDATA_DIR/postmaster.pid ]] && as_server "$POSTGRES_BIN_DIR/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1; }

accepting() { "$POSTGRES_BIN_DIR/pg_isready" -q -h "$HOST" -p "$1" -U "$DB_USER" -d postgres -t 2 >/dev/null 2>&1; }

with_lock() {
  # Two test runs starting at once must not initdb or start twice on one data folder.
  if command -v flock >/dev/null; then
    exec 9>"$REVMESH_PG_DIR/.lock"
    flock -w $((POSTGRES_START_TIMEOUT + POSTGRES_STOP_TIMEOUT + 30)) 9 || die "timed out waiting for another postgres.sh on $REVMESH_PG_DIR"
  fi
}

init_cluster() {
  [[ -f $PGDATA_DIR/PG_VERSION ]] && return 0
  log "initdb in $PGDATA_DIR (superuser $DB_USER, trust on loopback)"
  rm -rf "$PGDATA_DIR"
  local out
  if ! out=$(as_server "$POSTGRES_BIN_DIR/initdb" -D "$PGDATA_DIR" -U "$DB_USER" --auth=trust -E UTF8 --locale=C.UTF-8 2>&1); then
    printf '%s\n' "$out" >&2
    rm -rf "$PGDATA_DIR"
    die "initdb failed"
  fi
  # Host lines for loopback only, replacing initdb's (which also cover the Unix socket we turn off).
  as_server tee "$PGDATA_DIR/pg_hba.conf" >/dev/null <<EOF
# Generated by deploy/postgres/postgres.sh: loopback TCP only, no password (a test server).
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
EOF
  printf "\ninclude_if_exists = 'revmesh.conf'\n" | as_server tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
}

write_local_conf() {
  as_server tee "$LOCAL_CONF" >/dev/null <<EOF
# Generated by deploy/postgres/postgres.sh on each start; edits are overwritten.
listen_addresses = '$HOST'
port = $1
unix_socket_directories = ''
# The tests open a pool per authority and per suite, several suites at a time.
max_connections = 300
shared_buffers = 128MB
EOF
}

print_failure() {
  log "$1"
  if [[ -f $SERVER_LOG ]]; then
    log "last 40 lines of $SERVER_LOG:"
    tail -n 40 "$SERVER_LOG" >&2
  fi
}

wait_ready() {
  local port=$1 deadline=$((SECONDS + POSTGRES_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    accepting "$port" && return 0
    server_running || { print_failure "the server exited during startup"; exit 1; }
    sleep 0.25
  done
  print_failure "the server did not accept connections within ${POSTGRES_START_TIMEOUT}s; stopping it"
  stop_server
  exit 1
}

create_database() {
  local port=$1 exists
  exists=$("$POSTGRES_BIN_DIR/psql" -X -q -t -A -h "$HOST" -p "$port" -U "$DB_USER" -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") || die "cannot query the server on port $port"
  [[ $exists == 1 ]] && return 0
  "$POSTGRES_BIN_DIR/createdb" -h "$HOST" -p "$port" -U "$DB_USER" "$DB_NAME" || die "createdb $DB_NAME failed"
}

stop_server() {
  as_server "$POSTGRES_BIN_DIR/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t "$POSTGRES_STOP_TIMEOUT" >/dev/null 2>&1 && return 0
  log "fast shutdown did not finish within ${POSTGRES_STOP_TIMEOUT}s; immediate shutdown"
  as_server "$POSTGRES_BIN_DIR/pg_ctl" stop -D "$PGDATA_DIR" -m immediate -w -t "$POSTGRES_STOP_TIMEOUT" >/dev/null 2>&1 || true
}

# --- commands ---------------------------------------------------------------------------

cmd_start() {
  find_bin_dir
  prepare_ownership
  with_lock
  local port started=$SECONDS
  if server_running; then
    port=$(running_port)
    if [[ -n $POSTGRES_PORT && $port != "$POSTGRES_PORT" ]]; then
      die "the server of $REVMESH_PG_DIR already runs on port $port, not POSTGRES_PORT=$POSTGRES_PORT; stop it first"
    fi
    # Running but maybe still recovering: another start launched it; wait rather than launch again.
    wait_ready "$port"
    create_database "$port"
    log "already running on port $port"
    url_for "$port"
    return 0
  fi

  port=$(choose_port)
  port_open "$port" && die "port $port on $HOST is taken by another process (another PostgreSQL?); stop it or choose POSTGRES_PORT"
  init_cluster
  write_local_conf "$port"
  printf '%s\n' "$port" >"$PORT_FILE"
  [[ -f $SERVER_LOG ]] && mv -f "$SERVER_LOG" "$SERVER_LOG.prev"
  # libs/test-support's ensurePostgres() keys "I started it, I stop it" on this exact line prefix.
  log "starting PostgreSQL $(pg_version) on $HOST:$port, data in $PGDATA_DIR"
  # -w: pg_ctl waits until the server is ready (its pid file says so), then pg_isready proves TCP.
  # stdio detached: a caller reading our stdout through a pipe must see EOF when we exit.
  if ! as_server "$POSTGRES_BIN_DIR/pg_ctl" start -D "$PGDATA_DIR" -l "$SERVER_LOG" -w -t "$POSTGRES_START_TIMEOUT" </dev/null >/dev/null 2>&1 9>&-; then
    print_failure "the server did not start within ${POSTGRES_START_TIMEOUT}s"
    server_running && stop_server
    exit 1
  fi
  wait_ready "$port"
  create_database "$port"
  log "started in $((SECONDS - started))s"
  url_for "$port"
}

cmd_stop() {
  find_bin_dir
  with_lock
  if ! server_running; then
    log "not running"
    return 0
  fi
  log "stopping the server of $PGDATA_DIR (port $(running_port))"
  stop_server
  log "stopped"
}

cmd_status() {
  find_bin_dir
  local port
  if server_running; then
    port=$(running_port)
    if accepting "$port"; then
      url_for "$port"
      return 0
    fi
    log "running on port $port but not accepting connections yet"
    return 3
  fi
  log "not running"
  return 3
}

cmd_url() {
  local port
  if port=$(configured_port); then
    url_for "$port"
    return 0
  fi
  log "no port chosen yet for $REVMESH_PG_DIR (run start first, or set POSTGRES_PORT)"
  return 3
}

main() {
  if [[ $# -ne 1 ]]; then
    usage
    exit 2
  fi
  case $1 in
    start) validate_env; cmd_start ;;
    stop) validate_env; cmd_stop ;;
    status) validate_env; cmd_status ;;
    url) validate_env; cmd_url ;;
    -h | --help | help) usage ;;
    *) log "unknown command: $1"; usage; exit 2 ;;
  esac
}

main "$@"
