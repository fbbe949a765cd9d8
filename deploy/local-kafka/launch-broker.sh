# Sourced by kafka.sh and cluster.sh: starts one Kafka JVM in the background, detached.
# Needs LIB_DIR, LOG4J_CONFIG and KAFKA_HEAP set; KAFKA_OPTS optional.

# launch_broker <server.properties> <log dir> <pid file>
launch_broker() {
  local props=$1 dir=$2 pid_file=$3
  local -a jvm=(
    "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP"
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$LOG4J_CONFIG" "-Dkafka.logs.dir=$dir"
  )
  # shellcheck disable=SC2206 # KAFKA_OPTS is a flag list, split like the official scripts do.
  [[ -n ${KAFKA_OPTS:-} ]] && jvm+=($KAFKA_OPTS)
  # stdio detached: a caller reading our stdout through a pipe must see EOF when we exit.
  # fd 9 (the flock) closed: the broker must not hold the lock for its whole life.
  nohup java "${jvm[@]}" -cp "$LIB_DIR/*" kafka.Kafka "$props" \
    </dev/null >"$dir/stdout.log" 2>&1 9>&- &
  printf '%s\n' "$!" >"$pid_file"
}
