#!/usr/bin/env bash
# Runs a single-node KRaft Kafka broker (broker + controller in one JVM) on 127.0.0.1 from
# the Maven Central jars in ./lib, for tests and the demo on machines without Docker.
#
#   kafka.sh start    start (or find running) and wait until it serves; prints 127.0.0.1:<port> last
#   kafka.sh stop     TERM, then KILL after 30 s; idempotent
#   kafka.sh status   exit 0 and print the bootstrap address if running, exit 3 if not
#   kafka.sh fetch    copy the jars with Maven if lib/ is missing or stale
#
# Environment: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), KAFKA_DATA_DIR
# (deploy/local-kafka/data), KAFKA_HEAP (384m), KAFKA_START_TIMEOUT (90 s),
# KAFKA_OPTS (extra JVM flags, as in the official scripts).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIB_DIR=$SCRIPT_DIR/lib
POM=$SCRIPT_DIR/pom.xml
LOG4J_CONFIG=$SCRIPT_DIR/log4j2.properties

KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
KAFKA_DATA_DIR=${KAFKA_DATA_DIR:-$SCRIPT_DIR/data}
KAFKA_HEAP=${KAFKA_HEAP:-384m}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
KAFKA_STOP_TIMEOUT=30
HOST=127.0.0.1
# Logged by kafka.server.KafkaRaftServer once the broker is unfenced and serving (4.1.1: KafkaBroker.STARTED_MESSAGE).
STARTED_LINE='Kafka Server started'
# Written after a successful Maven copy; holds the pom's checksum so a changed pom (e.g. another
# kafka.version) forces a clean re-copy instead of a classpath mixing two Kafka versions.
LIB_MARKER=$LIB_DIR/.complete
# shellcheck source=launch-broker.sh
source "$SCRIPT_DIR/launch-broker.sh"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") <start|stop|status|fetch>

  start    start the local broker unless it is running; wait until it serves (timeout
           KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT}s); print the bootstrap address last
  stop     stop the broker started from KAFKA_DATA_DIR (TERM, then KILL after ${KAFKA_STOP_TIMEOUT}s)
  status   print the bootstrap address and exit 0 if running; exit 3 if not
  fetch    copy the Kafka jars from Maven Central into lib/ if missing or stale

environment: KAFKA_PORT=${KAFKA_PORT} KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT}
             KAFKA_DATA_DIR=${KAFKA_DATA_DIR} KAFKA_HEAP=${KAFKA_HEAP}
EOF
}

validate_env() {
  local name
  for name in KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_START_TIMEOUT; do
    [[ ${!name} =~ ^[0-9]+$ ]] || die "$name must be a number, got '${!name}'"
  done
  [[ $KAFKA_HEAP =~ ^[0-9]+[kKmMgG]?$ ]] || die "KAFKA_HEAP must look like 384m, got '$KAFKA_HEAP'"
  [[ $KAFKA_PORT != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
  mkdir -p "$KAFKA_DATA_DIR"
  # Absolute, because the broker and the pid file outlive this shell's working directory.
  KAFKA_DATA_DIR=$(cd "$KAFKA_DATA_DIR" && pwd)
  PID_FILE=$KAFKA_DATA_DIR/kafka.pid
  PROPS=$KAFKA_DATA_DIR/server.properties
  BROKER_LOG=$KAFKA_DATA_DIR/broker.log
}

# --- jars -------------------------------------------------------------------------------

pom_checksum() { sha256sum "$POM" | cut -d' ' -f1; }

lib_complete() {
  [[ -f $LIB_MARKER && $(cat "$LIB_MARKER") == "$(pom_checksum)" ]] || return 1
  local jar
  for jar in 'kafka_2.13-*.jar' 'kafka-clients-*.jar' 'kafka-server-*.jar' 'kafka-raft-*.jar' 'slf4j-api-*.jar'; do
    compgen -G "$LIB_DIR/$jar" >/dev/null || return 1
  done
}

cmd_fetch() {
  if lib_complete; then
    log "jars up to date in $LIB_DIR"
    return 0
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars into $LIB_DIR; install it (e.g. apt-get install maven)"
  log "fetching Kafka jars with Maven into $LIB_DIR"
  # copy-dependencies never deletes: clear first so a version change cannot leave two Kafkas on the classpath.
  rm -rf "$LIB_DIR"
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies || die "Maven could not copy the Kafka jars (see output above)"
  pom_checksum >"$LIB_MARKER"
  lib_complete || die "Maven finished but $LIB_DIR still lacks the Kafka jars"
}

kafka_version() {
  local jar
  jar=$(compgen -G "$LIB_DIR/kafka_2.13-*.jar" | head -n1)
  jar=${jar##*/kafka_2.13-}
  printf '%s\n' "${jar%.jar}"
}

require_java() {
  command -v java >/dev/null || die "java not found on PATH: Kafka needs a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
  local line major
  line=$(java -version 2>&1 | head -n1)
  major=$(sed -E 's/.*version "(1\.)?([0-9]+).*/\2/' <<<"$line")
  [[ $major =~ ^[0-9]+$ ]] || die "cannot read the Java version from: $line"
  local kafka_major min=11
  kafka_major=$(kafka_version | cut -d. -f1)
  [[ $kafka_major =~ ^[0-9]+$ && $kafka_major -ge 4 ]] && min=17
  ((major >= min)) || die "Kafka $(kafka_version) needs Java $min+, found: $line"
}

# --- process ----------------------------------------------------------------------------

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# Prints the pid from the pid file if that process is alive and is our broker (not a reused pid).
live_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  local args
  if [[ -r /proc/$pid/cmdline ]]; then
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  else
    args=$(ps -ww -o args= -p "$pid" 2>/dev/null || true)
  fi
  [[ $args == *"kafka.Kafka $PROPS"* ]] || return 1
  printf '%s\n' "$pid"
}

# The running broker's port comes from its own properties, not from this shell's KAFKA_PORT.
running_port() {
  sed -nE 's#^advertised\.listeners=PLAINTEXT://[^:]+:([0-9]+).*#\1#p' "$PROPS" 2>/dev/null | head -n1
}

clean_stale_pid() {
  if [[ -f $PID_FILE ]] && ! live_pid >/dev/null; then
    log "removing stale pid file $PID_FILE"
    rm -f "$PID_FILE"
  fi
}

with_lock() {
  # Two test runs starting at once must not launch two brokers on one data dir.
  if command -v flock >/dev/null; then
    exec 9>"$KAFKA_DATA_DIR/.lock"
    flock -w $((KAFKA_START_TIMEOUT + KAFKA_STOP_TIMEOUT + 30)) 9 || die "timed out waiting for another kafka.sh on $KAFKA_DATA_DIR"
  fi
}

write_properties() {
  cat >"$PROPS" <<EOF
# Generated by deploy/local-kafka/kafka.sh on each start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA_DIR/logs

# One node: every internal topic must fit on one replica (defaults are RF 3, 50 partitions).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=3

# Tests create their topics explicitly and join groups once: no hidden topics, no 3 s join delay.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.partitions=1
EOF
}

format_storage() {
  local cluster_id_file=$KAFKA_DATA_DIR/cluster-id cluster_id out
  if [[ ! -s $cluster_id_file ]]; then
    # Kept in the data dir: a later re-format (e.g. after deleting logs/) reuses the same cluster id.
    cluster_id=$(java -cp "$LIB_DIR/*" kafka.tools.StorageTool random-uuid 2>&1 | tail -n1) ||
      die "kafka.tools.StorageTool random-uuid failed: $cluster_id"
    [[ $cluster_id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka.tools.StorageTool random-uuid printed no cluster id: $cluster_id"
    printf '%s\n' "$cluster_id" >"$cluster_id_file"
  fi
  cluster_id=$(cat "$cluster_id_file")
  # Already formatted: format would skip it anyway (--ignore-formatted); skipping its JVM saves ~2 s per start.
  [[ -f $KAFKA_DATA_DIR/logs/meta.properties ]] && return 0
  # Static voters (controller.quorum.voters): format must not get --standalone.
  # No log4j config: Log4j2's default (errors to the console) keeps format's output out of broker.log.
  if ! out=$(java -cp "$LIB_DIR/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" --ignore-formatted 2>&1); then
    printf '%s\n' "$out" >&2
    die "formatting $KAFKA_DATA_DIR/logs failed"
  fi
}

launch() {
  # A fresh broker.log per start, so the readiness check cannot match a previous run's line.
  [[ -f $BROKER_LOG ]] && mv -f "$BROKER_LOG" "$BROKER_LOG.prev"
  launch_broker "$PROPS" "$KAFKA_DATA_DIR" "$PID_FILE"
}

print_failure() {
  log "$1"
  if [[ -f $BROKER_LOG ]]; then
    log "last 60 lines of $BROKER_LOG:"
    tail -n 60 "$BROKER_LOG" >&2
  else
    log "no $BROKER_LOG written yet"
  fi
  if [[ -s $KAFKA_DATA_DIR/stdout.log ]]; then
    log "last 20 lines of $KAFKA_DATA_DIR/stdout.log:"
    tail -n 20 "$KAFKA_DATA_DIR/stdout.log" >&2
  fi
}

wait_ready() {
  local pid=$1 port=$2 deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      print_failure "the broker exited during startup"
      exit 1
    fi
    # The port opens before the broker is unfenced; only the log line says it serves.
    if grep -qF "$STARTED_LINE" "$BROKER_LOG" 2>/dev/null && port_open "$port"; then
      return 0
    fi
    sleep 0.25
  done
  print_failure "the broker did not start within ${KAFKA_START_TIMEOUT}s; killing it"
  stop_pid "$pid"
  exit 1
}

stop_pid() {
  local pid=$1 deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker (pid $pid) ignored TERM for ${KAFKA_STOP_TIMEOUT}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
}

# --- commands ---------------------------------------------------------------------------

cmd_start() {
  with_lock
  local pid port started=$SECONDS
  if pid=$(live_pid); then
    port=$(running_port)
    if port_open "$port"; then
      log "already running (pid $pid)"
      printf '%s:%s\n' "$HOST" "$port"
      return 0
    fi
    # Alive but not serving yet: another start launched it; wait rather than launch a second JVM.
    log "broker (pid $pid) is starting; waiting"
    wait_ready "$pid" "$port"
    printf '%s:%s\n' "$HOST" "$port"
    return 0
  fi
  clean_stale_pid

  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$port" && die "port $port on $HOST is taken by another process (a broker from another data dir or Docker?); stop it, choose KAFKA_PORT/KAFKA_CONTROLLER_PORT, or set KAFKA_BROKERS for the tests"
  done

  cmd_fetch
  require_java
  write_properties
  format_storage
  launch
  pid=$(cat "$PID_FILE")
  # libs/test-support's ensureKafka() keys "I started it, I stop it" on this exact line prefix.
  log "starting Kafka $(kafka_version) (pid $pid), data in $KAFKA_DATA_DIR"
  wait_ready "$pid" "$KAFKA_PORT"
  log "started in $((SECONDS - started))s"
  printf '%s:%s\n' "$HOST" "$KAFKA_PORT"
}

cmd_stop() {
  with_lock
  local pid
  if ! pid=$(live_pid); then
    clean_stale_pid
    log "not running"
    return 0
  fi
  log "stopping broker (pid $pid)"
  stop_pid "$pid"
  log "stopped"
}

cmd_status() {
  local pid port
  if pid=$(live_pid); then
    port=$(running_port)
    if port_open "$port"; then
      printf '%s:%s\n' "$HOST" "$port"
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
    fetch) cmd_fetch ;;
    -h | --help | help) usage ;;
    *) log "unknown command: $1"; usage; exit 2 ;;
  esac
}

main "$@"
