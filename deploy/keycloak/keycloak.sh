#!/usr/bin/env bash
# Runs Keycloak (the Quarkus distribution from Maven Central) in development mode on 127.0.0.1,
# with the experimental SSF transmitter switched on and the revmesh-demo realm imported from
# realm-revmesh.json, as the external identity provider of the tests and the demo.
#
#   keycloak.sh fetch    fetch the distribution zip with Maven, unpack it here and run its one-off
#                        build step (Quarkus augmentation) so that starts skip it; idempotent
#   keycloak.sh start    start (or find running) and wait until the realm serves; prints the base URL last
#   keycloak.sh stop     TERM, then KILL after 30 s; idempotent
#   keycloak.sh status   exit 0 and print the base URL if running and serving, exit 3 if not
#
# Keycloak 26.7 needs Java 21+. KEYCLOAK_JAVA_HOME names one; otherwise the newest JDK >= 21
# under /usr/lib/jvm (read from each one's `release` file) is used. JAVA_HOME is set for
# Keycloak alone; the shell's java (Kafka's) is left alone.
#
# The database is in memory (dev-mem): every start begins from the realm file, nothing persists.
# Loopback, development use only: the bootstrap admin password has a known default and SSF
# pushes to plain-http loopback receivers are allowed (allow-insecure-push-targets).
#
# Environment: KEYCLOAK_PORT (first free of 18080-18179), KEYCLOAK_RUN_DIR (deploy/keycloak/run),
# KEYCLOAK_JAVA_HOME, KEYCLOAK_HEAP (512m), KEYCLOAK_START_TIMEOUT (300 s; a start takes ~20 s on
# an idle machine, up to 3 min was seen on a loaded 2-core one),
# KEYCLOAK_ADMIN_USERNAME (admin), KEYCLOAK_ADMIN_PASSWORD (admin),
# KEYCLOAK_SSF_DRAINER_INTERVAL (250ms: how often queued SSF pushes are sent; events wait for it).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KC_VERSION=26.7.3
KC_ARTIFACT=org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip
KC_HOME=$SCRIPT_DIR/keycloak-$KC_VERSION
REALM_FILE=$SCRIPT_DIR/realm-revmesh.json
GRANT_SSF_SCOPES=$SCRIPT_DIR/grant-ssf-scopes.mjs
# Written once the zip is unpacked and augmented; holds the build options it was augmented with.
DIST_MARKER=$KC_HOME/.revmesh-complete
# Build-time options: a start with others makes Keycloak re-augment (~30 s) before it serves.
BUILD_OPTIONS=(--features=ssf --db=dev-mem)

KEYCLOAK_PORT=${KEYCLOAK_PORT:-}
KEYCLOAK_RUN_DIR=${KEYCLOAK_RUN_DIR:-$SCRIPT_DIR/run}
KEYCLOAK_JAVA_HOME=${KEYCLOAK_JAVA_HOME:-}
KEYCLOAK_HEAP=${KEYCLOAK_HEAP:-512m}
KEYCLOAK_START_TIMEOUT=${KEYCLOAK_START_TIMEOUT:-300}
KEYCLOAK_ADMIN_USERNAME=${KEYCLOAK_ADMIN_USERNAME:-admin}
KEYCLOAK_ADMIN_PASSWORD=${KEYCLOAK_ADMIN_PASSWORD:-admin}
KEYCLOAK_SSF_DRAINER_INTERVAL=${KEYCLOAK_SSF_DRAINER_INTERVAL:-250ms}
KEYCLOAK_STOP_TIMEOUT=30
HOST=127.0.0.1
MIN_JAVA=21
# C1 only: Keycloak's start costs ~25-35 % less CPU (21-27 vs 35-36 CPU-seconds measured here);
# peak throughput, which tests never reach, is what it gives up. kc.sh appends JAVA_OPTS_APPEND.
JIT_OPTS="-XX:TieredStopAtLevel=1${JAVA_OPTS_APPEND:+ $JAVA_OPTS_APPEND}"
DEFAULT_PORT_RANGE=(18080 18179)

log() { printf 'keycloak.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") <fetch|start|stop|status>

  fetch    fetch $KC_ARTIFACT with Maven (cached in the local Maven repository),
           unpack it into $(basename "$KC_HOME")/ and run its build step once; no-op when done
  start    start Keycloak unless it runs; wait until the realm answers (timeout
           KEYCLOAK_START_TIMEOUT=${KEYCLOAK_START_TIMEOUT}s); print the base URL last
  stop     stop the Keycloak started from KEYCLOAK_RUN_DIR (TERM, then KILL after ${KEYCLOAK_STOP_TIMEOUT}s)
  status   print the base URL and exit 0 if running; exit 3 if not

environment: KEYCLOAK_PORT=${KEYCLOAK_PORT:-<first free of ${DEFAULT_PORT_RANGE[0]}-${DEFAULT_PORT_RANGE[1]}>}
             KEYCLOAK_RUN_DIR=${KEYCLOAK_RUN_DIR} KEYCLOAK_HEAP=${KEYCLOAK_HEAP}
             KEYCLOAK_JAVA_HOME=${KEYCLOAK_JAVA_HOME:-<newest JDK >= $MIN_JAVA in /usr/lib/jvm>}
             KEYCLOAK_ADMIN_USERNAME=${KEYCLOAK_ADMIN_USERNAME} KEYCLOAK_ADMIN_PASSWORD=<set>
EOF
}

validate_env() {
  local name
  for name in KEYCLOAK_START_TIMEOUT; do
    [[ ${!name} =~ ^[0-9]+$ ]] || die "$name must be a number, got '${!name}'"
  done
  if [[ -n $KEYCLOAK_PORT ]]; then
    [[ $KEYCLOAK_PORT =~ ^[0-9]+$ ]] && ((KEYCLOAK_PORT > 0 && KEYCLOAK_PORT < 65536)) ||
      die "KEYCLOAK_PORT must be a TCP port number, got '$KEYCLOAK_PORT' (unset it to take the first free of ${DEFAULT_PORT_RANGE[0]}-${DEFAULT_PORT_RANGE[1]})"
  fi
  [[ $KEYCLOAK_HEAP =~ ^[0-9]+[kKmMgG]?$ ]] || die "KEYCLOAK_HEAP must look like 512m, got '$KEYCLOAK_HEAP'"
  [[ $KEYCLOAK_SSF_DRAINER_INTERVAL =~ ^[0-9]+(ms|s|m|h)$ ]] ||
    die "KEYCLOAK_SSF_DRAINER_INTERVAL must look like 1s or 500ms, got '$KEYCLOAK_SSF_DRAINER_INTERVAL'"
  [[ -n $KEYCLOAK_ADMIN_USERNAME && -n $KEYCLOAK_ADMIN_PASSWORD ]] ||
    die "KEYCLOAK_ADMIN_USERNAME and KEYCLOAK_ADMIN_PASSWORD must not be empty"
  mkdir -p "$KEYCLOAK_RUN_DIR"
  # Absolute, because Keycloak and the pid file outlive this shell's working directory.
  KEYCLOAK_RUN_DIR=$(cd "$KEYCLOAK_RUN_DIR" && pwd)
  PID_FILE=$KEYCLOAK_RUN_DIR/keycloak.pid
  PORT_FILE=$KEYCLOAK_RUN_DIR/keycloak.port
  SERVER_LOG=$KEYCLOAK_RUN_DIR/keycloak.log
}

realm_name() {
  local name
  name=$(sed -nE 's/^  "realm"[[:space:]]*:[[:space:]]*"([^"]+)".*/\1/p' "$REALM_FILE" | head -n1)
  [[ -n $name ]] || die "no top-level \"realm\" name found in $REALM_FILE"
  printf '%s\n' "$name"
}

# --- Java -------------------------------------------------------------------------------

# Prints the major version of the JDK at $1 from its `release` file (JAVA_VERSION="25.0.3").
jdk_major() {
  local release=$1/release version
  [[ -r $release && -x $1/bin/java ]] || return 1
  version=$(sed -nE 's/^JAVA_VERSION="([^"]+)".*/\1/p' "$release" | head -n1)
  version=${version#1.}
  version=${version%%[.+-]*}
  [[ $version =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$version"
}

# Sets KC_JAVA_HOME: KEYCLOAK_JAVA_HOME if given (checked), else the newest JDK >= 21 under /usr/lib/jvm.
find_java() {
  local major
  if [[ -n $KEYCLOAK_JAVA_HOME ]]; then
    major=$(jdk_major "$KEYCLOAK_JAVA_HOME") ||
      die "KEYCLOAK_JAVA_HOME=$KEYCLOAK_JAVA_HOME has no bin/java and readable release file"
    ((major >= MIN_JAVA)) || die "KEYCLOAK_JAVA_HOME=$KEYCLOAK_JAVA_HOME is Java $major; Keycloak $KC_VERSION needs $MIN_JAVA+"
    KC_JAVA_HOME=$KEYCLOAK_JAVA_HOME
    return 0
  fi
  local dir best='' best_major=0
  for dir in /usr/lib/jvm/*/; do
    dir=${dir%/}
    [[ -L $dir ]] && continue # symlinked aliases (java-1.17.0-openjdk-amd64) name a JDK listed anyway
    major=$(jdk_major "$dir") || continue
    if ((major >= MIN_JAVA && major > best_major)); then
      best=$dir
      best_major=$major
    fi
  done
  [[ -n $best ]] || die "no JDK $MIN_JAVA+ found under /usr/lib/jvm (Keycloak $KC_VERSION needs one; the default java may be older): install one (e.g. apt-get install openjdk-21-jdk-headless) or set KEYCLOAK_JAVA_HOME"
  KC_JAVA_HOME=$best
}

# --- distribution -----------------------------------------------------------------------

dist_complete() {
  [[ -f $DIST_MARKER && $(cat "$DIST_MARKER") == "${BUILD_OPTIONS[*]}" && -x $KC_HOME/bin/kc.sh ]]
}

# Runs Keycloak's one-off development-mode build step (Quarkus re-augmentation) and stops right
# after it. A start-dev that finds the build stale augments, exits with 10, and kc.sh relaunches
# Java with -Dkc.config.built=true; the stand-in "java" below exits 0 at that relaunch instead.
augment() {
  local shim=$KC_HOME/.augment-java out
  cat >"$shim" <<EOF
#!/bin/sh
for arg in "\$@"; do [ "\$arg" = -Dkc.config.built=true ] && exit 0; done
exec "$KC_JAVA_HOME/bin/java" "\$@"
EOF
  chmod +x "$shim"
  if ! out=$(JAVA=$shim JAVA_HOME=$KC_JAVA_HOME JAVA_OPTS_KC_HEAP="-Xms64m -Xmx$KEYCLOAK_HEAP" JAVA_OPTS_APPEND=$JIT_OPTS \
    "$KC_HOME/bin/kc.sh" start-dev "${BUILD_OPTIONS[@]}" --http-host="$HOST" --http-port=0 </dev/null 2>&1); then
    rm -f "$shim"
    printf '%s\n' "$out" >&2
    die "Keycloak's build step failed"
  fi
  rm -f "$shim"
  grep -q 'augmentation completed' <<<"$out" || {
    printf '%s\n' "$out" >&2
    die "Keycloak's build step printed no 'augmentation completed' line"
  }
}

cmd_fetch() {
  if dist_complete; then
    log "Keycloak $KC_VERSION ready in $KC_HOME"
    return 0
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch $KC_ARTIFACT; install it (e.g. apt-get install maven)"
  command -v unzip >/dev/null || die "unzip is needed to unpack Keycloak; install it (e.g. apt-get install unzip)"
  find_java
  local started=$SECONDS tmp zip
  # Unpacked beside, then moved: an interrupted fetch never leaves a half distribution in place.
  tmp=$(mktemp -d "$SCRIPT_DIR/.unpack.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  log "copying $KC_ARTIFACT with Maven (downloaded into the local Maven repository once)"
  mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="$KC_ARTIFACT" -DoutputDirectory="$tmp" ||
    die "Maven could not fetch $KC_ARTIFACT (see output above)"
  zip=$tmp/keycloak-quarkus-dist-$KC_VERSION.zip
  [[ -s $zip ]] || die "Maven finished but $zip is missing"
  log "unpacking"
  unzip -q "$zip" -d "$tmp" || die "unzip of $zip failed"
  [[ -x $tmp/keycloak-$KC_VERSION/bin/kc.sh ]] || die "$zip holds no keycloak-$KC_VERSION/bin/kc.sh"
  rm -rf "$KC_HOME"
  mv "$tmp/keycloak-$KC_VERSION" "$KC_HOME"
  rm -rf "$tmp"
  trap - EXIT
  log "running Keycloak's build step with Java from $KC_JAVA_HOME (about 30 s)"
  augment
  printf '%s\n' "${BUILD_OPTIONS[*]}" >"$DIST_MARKER"
  log "fetched and built in $((SECONDS - started))s"
}

# --- process ----------------------------------------------------------------------------

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# Prints the pid from the pid file if that process is alive and is our Keycloak (not a reused pid).
live_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid args
  pid=$(cat "$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/cmdline ]]; then
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  else
    args=$(ps -ww -o args= -p "$pid" 2>/dev/null || true)
  fi
  # kc.sh (sh) until Java runs, or Java itself after kc.sh exec'ed it: both name the home dir.
  [[ $args == *"$KC_HOME/bin"* && $args == *"$KEYCLOAK_RUN_DIR"* ]] || return 1
  printf '%s\n' "$pid"
}

base_url() { printf 'http://%s:%s\n' "$HOST" "$1"; }

realm_ready() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "$(base_url "$1")/realms/$(realm_name)/.well-known/openid-configuration" 2>/dev/null) || true
  [[ $code == 200 ]]
}

clean_stale() {
  if [[ -f $PID_FILE ]] && ! live_pid >/dev/null; then
    log "removing stale pid file $PID_FILE"
    rm -f "$PID_FILE" "$PORT_FILE"
  fi
}

with_lock() {
  # Two test runs (or jest workers) starting at once must not launch two servers on one run dir.
  if command -v flock >/dev/null; then
    exec 9>"$KEYCLOAK_RUN_DIR/.lock"
    flock -w $((KEYCLOAK_START_TIMEOUT + KEYCLOAK_STOP_TIMEOUT + 30)) 9 || die "timed out waiting for another keycloak.sh on $KEYCLOAK_RUN_DIR"
  fi
}

choose_port() {
  if [[ -n $KEYCLOAK_PORT ]]; then
    port_open "$KEYCLOAK_PORT" && die "port $KEYCLOAK_PORT on $HOST is taken; choose another KEYCLOAK_PORT, or unset it to take a free one"
    printf '%s\n' "$KEYCLOAK_PORT"
    return 0
  fi
  local port
  for ((port = DEFAULT_PORT_RANGE[0]; port <= DEFAULT_PORT_RANGE[1]; port++)); do
    port_open "$port" || { printf '%s\n' "$port"; return 0; }
  done
  die "no free port in ${DEFAULT_PORT_RANGE[0]}-${DEFAULT_PORT_RANGE[1]} on $HOST; set KEYCLOAK_PORT"
}

launch() {
  local port=$1 import_dir=$KC_HOME/data/import
  # start-dev --import-realm reads every JSON file of data/import: ours alone, fresh each start.
  rm -rf "$import_dir"
  mkdir -p "$import_dir"
  cp "$REALM_FILE" "$import_dir/"
  [[ -f $SERVER_LOG ]] && mv -f "$SERVER_LOG" "$SERVER_LOG.prev"
  local -a args=(
    start-dev "${BUILD_OPTIONS[@]}" --import-realm
    --http-host="$HOST" --http-port="$port"
    # A fixed issuer (iss of tokens and SETs); also lets the SSF transmitter name its issuer
    # outside an HTTP request (its push outbox).
    --hostname="$(base_url "$port")"
    --spi-ssf-transmitter--default--allow-insecure-push-targets=true
    --spi-ssf-transmitter--default--outbox-drainer-interval="$KEYCLOAK_SSF_DRAINER_INTERVAL"
    # Names the run dir on the command line, so live_pid can tell this server from another.
    "-Drevmesh.keycloak.run.dir=$KEYCLOAK_RUN_DIR"
  )
  # setsid: its own process group, so stop can reach Java even if kc.sh (its parent) is gone.
  # stdio detached: a caller reading our stdout through a pipe must see EOF when we exit.
  # fd 9 (the flock) closed: Keycloak must not hold the lock for its whole life.
  JAVA_HOME=$KC_JAVA_HOME JAVA_OPTS_KC_HEAP="-Xms64m -Xmx$KEYCLOAK_HEAP" JAVA_OPTS_APPEND=$JIT_OPTS \
    KC_BOOTSTRAP_ADMIN_USERNAME=$KEYCLOAK_ADMIN_USERNAME KC_BOOTSTRAP_ADMIN_PASSWORD=$KEYCLOAK_ADMIN_PASSWORD \
    setsid nohup "$KC_HOME/bin/kc.sh" "${args[@]}" </dev/null >"$SERVER_LOG" 2>&1 9>&- &
  printf '%s\n' "$!" >"$PID_FILE"
  printf '%s\n' "$port" >"$PORT_FILE"
}

print_failure() {
  log "$1"
  if [[ -s $SERVER_LOG ]]; then
    log "last 60 lines of $SERVER_LOG:"
    tail -n 60 "$SERVER_LOG" >&2
  else
    log "nothing in $SERVER_LOG yet"
  fi
}

wait_ready() {
  local pid=$1 port=$2 deadline=$((SECONDS + KEYCLOAK_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE" "$PORT_FILE"
      print_failure "Keycloak exited during startup"
      exit 1
    fi
    realm_ready "$port" && return 0
    sleep 0.5
  done
  print_failure "Keycloak did not serve realm $(realm_name) within ${KEYCLOAK_START_TIMEOUT}s; killing it"
  stop_pid "$pid"
  exit 1
}

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

stop_pid() {
  local pid=$1 deadline=$((SECONDS + KEYCLOAK_STOP_TIMEOUT))
  # kc.sh forwards TERM to Java and waits for it; Java may also be the leader itself (after exec).
  kill -TERM "$pid" 2>/dev/null || true
  while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if group_alive "$pid"; then
    log "Keycloak (process group $pid) ignored TERM for ${KEYCLOAK_STOP_TIMEOUT}s; sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
    while group_alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
}

# --- commands ---------------------------------------------------------------------------

cmd_start() {
  [[ -r $REALM_FILE ]] || die "realm file $REALM_FILE is missing"
  command -v curl >/dev/null || die "curl is needed for the readiness check; install it (e.g. apt-get install curl)"
  command -v setsid >/dev/null || die "setsid (util-linux) is needed to start Keycloak in its own process group"
  command -v node >/dev/null || die "node is needed to give the SSF receiver clients their scopes after the import"
  with_lock
  local pid port started=$SECONDS
  if pid=$(live_pid); then
    port=$(cat "$PORT_FILE")
    if realm_ready "$port"; then
      log "already running (pid $pid)"
    else
      # Alive but not serving yet: another start launched it; wait rather than launch a second JVM.
      log "Keycloak (pid $pid) is starting; waiting"
      wait_ready "$pid" "$port"
    fi
    base_url "$port"
    return 0
  fi
  clean_stale
  find_java
  cmd_fetch
  port=$(choose_port)
  launch "$port"
  pid=$(cat "$PID_FILE")
  # libs/test-support's Keycloak fixture keys "I started it, I stop it" on this exact line prefix.
  log "starting Keycloak $KC_VERSION (pid $pid) on port $port with Java from $KC_JAVA_HOME, log in $SERVER_LOG"
  wait_ready "$pid" "$port"
  # Still under the lock: a concurrent start waits until the realm is fully set up.
  if ! KEYCLOAK_ADMIN_USERNAME=$KEYCLOAK_ADMIN_USERNAME KEYCLOAK_ADMIN_PASSWORD=$KEYCLOAK_ADMIN_PASSWORD \
    node "$GRANT_SSF_SCOPES" "$(base_url "$port")" "$REALM_FILE"; then
    log "giving the SSF receiver clients their scopes failed; stopping Keycloak"
    stop_pid "$pid"
    exit 1
  fi
  log "started in $((SECONDS - started))s"
  base_url "$port"
}

cmd_stop() {
  with_lock
  local pid
  if ! pid=$(live_pid); then
    clean_stale
    log "not running"
    return 0
  fi
  log "stopping Keycloak (pid $pid)"
  stop_pid "$pid"
  log "stopped"
}

cmd_status() {
  local pid port
  if pid=$(live_pid); then
    port=$(cat "$PORT_FILE")
    if realm_ready "$port"; then
      base_url "$port"
      return 0
    fi
    log "starting (pid $pid), not serving yet"
    return 3
  fi
  log "not running"
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
    fetch) validate_env; cmd_fetch ;;
    -h | --help | help) usage ;;
    *) log "unknown command: $1"; usage; exit 2 ;;
  esac
}

main "$@"
