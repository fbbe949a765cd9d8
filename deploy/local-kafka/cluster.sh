#!/usr/bin/env bash
# Runs a KRaft Kafka cluster of KAFKA_CLUSTER_SIZE (3) nodes on 127.0.0.1, each node a broker and a
# controller in one JVM with its own ports and data folder, from the same jars as kafka.sh. For
# tests of replication (a broker lost and back) on machines without Docker; the single broker of
# kafka.sh stays the default for everything else.
#
#   cluster.sh start [N]   start every node (or node N) not running; wait until all serve and the
#                          metadata quorum has a leader; print the bootstrap list last
#   cluster.sh stop [N]    TERM every node (or node N), KILL after 30 s; idempotent
#   cluster.sh kill N      kill -9 node N (a crash, for tests); returns once it is gone
#   cluster.sh status      print the bootstrap list and exit 0 if every node serves, exit 3 if not
#
# Environment: KAFKA_CLUSTER_DIR (deploy/local-kafka/cluster-data), KAFKA_CLUSTER_SIZE (3),
# KAFKA_CLUSTER_PORTS (client ports, comma-separated; default 29092,29192,29292),
# KAFKA_CLUSTER_CONTROLLER_PORTS (default 29093,29193,29293), KAFKA_HEAP (256m per node),
# KAFKA_START_TIMEOUT (120 s), KAFKA_OPTS. The ports are recorded in KAFKA_CLUSTER_DIR on the
# first start: a node restarted later keeps its ports whatever the environment says.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIB_DIR=$SCRIPT_DIR/lib
LOG4J_CONFIG=$SCRIPT_DIR/log4j2.properties

KAFKA_CLUSTER_DIR=${KAFKA_CLUSTER_DIR:-$SCRIPT_DIR/cluster-data}
KAFKA_CLUSTER_SIZE=${KAFKA_CLUSTER_SIZE:-3}
KAFKA_HEAP=${KAFKA_HEAP:-256m}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
KAFKA_STOP_TIMEOUT=30
HOST=127.0.0.1
STARTED_LINE='Kafka Server started'
# Logged by the raft client of every controller once it knows the quorum's leader (itself or another).
QUORUM_LINE='Completed transition to (Leader|FollowerState)'
# shellcheck source=launch-broker.sh
source "$SCRIPT_DIR/launch-broker.sh"

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") <start [N]|stop [N]|kill N|status>

  start [N]  start every node (or node N, 1..$KAFKA_CLUSTER_SIZE) that is not running; wait until every
             node serves and the metadata quorum has a leader; print the bootstrap list last
  stop [N]   stop every node (or node N): TERM, then KILL after ${KAFKA_STOP_TIMEOUT}s
  kill N     kill -9 node N and wait until it is gone
  status     print the bootstrap list and exit 0 if every node serves; exit 3 if not

environment: KAFKA_CLUSTER_DIR=$KAFKA_CLUSTER_DIR KAFKA_CLUSTER_SIZE=$KAFKA_CLUSTER_SIZE
             KAFKA_CLUSTER_PORTS KAFKA_CLUSTER_CONTROLLER_PORTS KAFKA_HEAP=$KAFKA_HEAP
EOF
}

default_ports() {
  local base=$1 i out=()
  for ((i = 0; i < KAFKA_CLUSTER_SIZE; i++)); do out+=($((base + 100 * i))); done
  (IFS=,; printf '%s\n' "${out[*]}")
}

validate_env() {
  local name
  for name in KAFKA_CLUSTER_SIZE KAFKA_START_TIMEOUT; do
    [[ ${!name} =~ ^[0-9]+$ ]] || die "$name must be a number, got '${!name}'"
  done
  ((KAFKA_CLUSTER_SIZE >= 1 && KAFKA_CLUSTER_SIZE <= 9)) || die "KAFKA_CLUSTER_SIZE must be 1..9, got $KAFKA_CLUSTER_SIZE"
  [[ $KAFKA_HEAP =~ ^[0-9]+[kKmMgG]?$ ]] || die "KAFKA_HEAP must look like 256m, got '$KAFKA_HEAP'"
  mkdir -p "$KAFKA_CLUSTER_DIR"
  KAFKA_CLUSTER_DIR=$(cd "$KAFKA_CLUSTER_DIR" && pwd)
  local ports_file=$KAFKA_CLUSTER_DIR/ports
  if [[ -s $ports_file ]]; then
    # shellcheck disable=SC1090 # written by this script: CLIENT_PORTS=… CONTROLLER_PORTS=…
    source "$ports_file"
  else
    CLIENT_PORTS=${KAFKA_CLUSTER_PORTS:-$(default_ports 29092)}
    CONTROLLER_PORTS=${KAFKA_CLUSTER_CONTROLLER_PORTS:-$(default_ports 29093)}
  fi
  IFS=, read -r -a CLIENT <<<"$CLIENT_PORTS"
  IFS=, read -r -a CONTROLLER <<<"$CONTROLLER_PORTS"
  ((${#CLIENT[@]} == KAFKA_CLUSTER_SIZE && ${#CONTROLLER[@]} == KAFKA_CLUSTER_SIZE)) ||
    die "KAFKA_CLUSTER_PORTS and KAFKA_CLUSTER_CONTROLLER_PORTS must each list $KAFKA_CLUSTER_SIZE ports (got '$CLIENT_PORTS' and '$CONTROLLER_PORTS')"
  local all p
  all=$(printf '%s\n' "${CLIENT[@]}" "${CONTROLLER[@]}")
  for p in $all; do [[ $p =~ ^[0-9]+$ ]] || die "port '$p' is not a number"; done
  [[ $(sort -u <<<"$all" | wc -l) -eq $((2 * KAFKA_CLUSTER_SIZE)) ]] || die "the $((2 * KAFKA_CLUSTER_SIZE)) client and controller ports must all differ"
  [[ -s $ports_file ]] || printf 'CLIENT_PORTS=%s\nCONTROLLER_PORTS=%s\n' "$CLIENT_PORTS" "$CONTROLLER_PORTS" >"$ports_file"
}

node_index() {
  [[ ${1:-} =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= KAFKA_CLUSTER_SIZE)) || die "node must be 1..$KAFKA_CLUSTER_SIZE, got '${1:-}'"
  printf '%s\n' "$1"
}

node_dir() { printf '%s/node-%s\n' "$KAFKA_CLUSTER_DIR" "$1"; }
client_port() { printf '%s\n' "${CLIENT[$(($1 - 1))]}"; }
bootstrap_list() {
  local i out=()
  for ((i = 1; i <= KAFKA_CLUSTER_SIZE; i++)); do out+=("$HOST:$(client_port "$i")"); done
  (IFS=,; printf '%s\n' "${out[*]}")
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# The pid of node N if alive and really that node's JVM (not a reused pid).
live_pid() {
  local dir pid args
  dir=$(node_dir "$1")
  [[ -f $dir/kafka.pid ]] || return 1
  pid=$(cat "$dir/kafka.pid")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || ps -ww -o args= -p "$pid" 2>/dev/null || true)
  [[ $args == *"kafka.Kafka $dir/server.properties"* ]] || return 1
  printf '%s\n' "$pid"
}

with_lock() {
  if command -v flock >/dev/null; then
    exec 9>"$KAFKA_CLUSTER_DIR/.lock"
    flock -w $((KAFKA_START_TIMEOUT + KAFKA_STOP_TIMEOUT + 30)) 9 || die "timed out waiting for another cluster.sh on $KAFKA_CLUSTER_DIR"
  fi
}

write_properties() {
  local n=$1 dir voters="" i
  dir=$(node_dir "$n")
  for ((i = 1; i <= KAFKA_CLUSTER_SIZE; i++)); do voters+="${voters:+,}$i@$HOST:${CONTROLLER[$((i - 1))]}"; done
  local rf=$((KAFKA_CLUSTER_SIZE < 3 ? KAFKA_CLUSTER_SIZE : 3))
  local isr=$((rf > 1 ? rf - 1 : 1))
  cat >"$dir/server.properties" <<EOF
# Generated by deploy/local-kafka/cluster.sh on each start; edits are overwritten.
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://$HOST:$(client_port "$n"),CONTROLLER://$HOST:${CONTROLLER[$((n - 1))]}
advertised.listeners=PLAINTEXT://$HOST:$(client_port "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/logs

# Replicated like production: a write needs $isr of $rf replicas, so one node may be lost.
default.replication.factor=$rf
min.insync.replicas=$isr
unclean.leader.election.enable=false
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
share.coordinator.state.topic.num.partitions=3

# A killed node is fenced (its partitions move) after 6 s instead of 9 s, and may re-register
# sooner when restarted.
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000

group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.partitions=1
EOF
}

format_node() {
  local n=$1 dir cluster_id out
  dir=$(node_dir "$n")
  cluster_id=$(cat "$KAFKA_CLUSTER_DIR/cluster-id")
  [[ -f $dir/logs/meta.properties ]] && return 0
  if ! out=$(java -cp "$LIB_DIR/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" --ignore-formatted 2>&1); then
    printf '%s\n' "$out" >&2
    die "formatting $dir/logs failed"
  fi
}

ensure_cluster_id() {
  local file=$KAFKA_CLUSTER_DIR/cluster-id id
  [[ -s $file ]] && return 0
  id=$(java -cp "$LIB_DIR/*" kafka.tools.StorageTool random-uuid 2>&1 | tail -n1)
  [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka.tools.StorageTool random-uuid printed no cluster id: $id"
  printf '%s\n' "$id" >"$file"
}

launch_node() {
  local n=$1 dir
  dir=$(node_dir "$n")
  [[ -f $dir/broker.log ]] && mv -f "$dir/broker.log" "$dir/broker.log.prev"
  launch_broker "$dir/server.properties" "$dir" "$dir/kafka.pid"
  log "starting node $n (pid $(cat "$dir/kafka.pid")) on $HOST:$(client_port "$n"), data in $dir"
}

node_serving() {
  local dir
  dir=$(node_dir "$1")
  grep -qF "$STARTED_LINE" "$dir/broker.log" 2>/dev/null && port_open "$(client_port "$1")"
}

node_knows_leader() { grep -qE "$QUORUM_LINE" "$(node_dir "$1")/broker.log" 2>/dev/null; }

print_failure() {
  local n=$1 dir
  dir=$(node_dir "$n")
  log "node $n: last 40 lines of $dir/broker.log:"
  tail -n 40 "$dir/broker.log" >&2 2>/dev/null || true
  [[ -s $dir/stdout.log ]] && tail -n 20 "$dir/stdout.log" >&2
}

stop_node() {
  local n=$1 signal=${2:-TERM} pid deadline
  pid=$(live_pid "$n") || { rm -f "$(node_dir "$n")/kafka.pid"; return 0; }
  deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  kill "-$signal" "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "node $n (pid $pid) ignored TERM for ${KAFKA_STOP_TIMEOUT}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$(node_dir "$n")/kafka.pid"
}

# --- commands ---------------------------------------------------------------------------

cmd_start() {
  with_lock
  local started=$SECONDS n launched=()
  local -a nodes=()
  if [[ -n ${1:-} ]]; then nodes=("$(node_index "$1")"); else for ((n = 1; n <= KAFKA_CLUSTER_SIZE; n++)); do nodes+=("$n"); done; fi
  for n in "${nodes[@]}"; do
    live_pid "$n" >/dev/null && continue
    local port
    for port in "$(client_port "$n")" "${CONTROLLER[$((n - 1))]}"; do
      port_open "$port" && die "port $port on $HOST is taken by another process; choose KAFKA_CLUSTER_PORTS/KAFKA_CLUSTER_CONTROLLER_PORTS or another KAFKA_CLUSTER_DIR"
    done
    launched+=("$n")
  done
  if ((${#launched[@]} > 0)); then
    bash "$SCRIPT_DIR/kafka.sh" fetch
    command -v java >/dev/null || die "java not found on PATH: Kafka needs a Java 17+ runtime"
    ensure_cluster_id
    for n in "${launched[@]}"; do
      mkdir -p "$(node_dir "$n")"
      write_properties "$n"
      format_node "$n"
    done
    for n in "${launched[@]}"; do launch_node "$n"; done
  fi
  # Every node, not only those launched: a restarted node is useful only once the others see it.
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) pending
  while :; do
    pending=()
    for ((n = 1; n <= KAFKA_CLUSTER_SIZE; n++)); do
      if ! live_pid "$n" >/dev/null; then
        [[ " ${launched[*]} " == *" $n "* ]] && { print_failure "$n"; die "node $n exited during startup"; }
        pending+=("$n (not running)")
      elif ! node_serving "$n" || ! node_knows_leader "$n"; then
        pending+=("$n")
      fi
    done
    ((${#pending[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      for n in "${launched[@]}"; do print_failure "$n"; done
      die "not ready within ${KAFKA_START_TIMEOUT}s: node(s) ${pending[*]}"
    fi
    sleep 0.25
  done
  log "all $KAFKA_CLUSTER_SIZE nodes serve and the metadata quorum has a leader ($((SECONDS - started))s)"
  bootstrap_list
}

cmd_stop() {
  with_lock
  local n
  if [[ -n ${1:-} ]]; then
    n=$(node_index "$1")
    stop_node "$n"
    log "node $n stopped"
    return 0
  fi
  for ((n = 1; n <= KAFKA_CLUSTER_SIZE; n++)); do
    local pid
    pid=$(live_pid "$n") && kill -TERM "$pid" 2>/dev/null || true
  done
  for ((n = 1; n <= KAFKA_CLUSTER_SIZE; n++)); do stop_node "$n"; done
  log "stopped"
}

cmd_kill() {
  local n pid
  n=$(node_index "${1:-}")
  pid=$(live_pid "$n") || die "node $n is not running"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$(node_dir "$n")/kafka.pid"
  log "node $n (pid $pid) killed"
}

cmd_status() {
  local n down=0
  for ((n = 1; n <= KAFKA_CLUSTER_SIZE; n++)); do
    if ! live_pid "$n" >/dev/null; then
      log "node $n: not running"; down=1
    elif ! node_serving "$n"; then
      log "node $n: starting"; down=1
    fi
  done
  ((down == 0)) || return 3
  bootstrap_list
}

main() {
  local command=${1:-}
  case $command in
    start | stop) (($# <= 2)) || { usage; exit 2; } ;;
    kill) (($# == 2)) || { usage; exit 2; } ;;
    status) (($# == 1)) || { usage; exit 2; } ;;
    -h | --help | help) usage; return 0 ;;
    *) log "unknown command: ${command:-(none)}"; usage; exit 2 ;;
  esac
  validate_env
  case $command in
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    kill) cmd_kill "$2" ;;
    status) cmd_status ;;
  esac
}

main "$@"
