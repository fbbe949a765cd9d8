#!/usr/bin/env bash
# Checks everything under deploy/observability (and docs/runbooks):
#   1. promtool check rules   prometheus/alerts.yml
#   2. promtool test rules    prometheus/alerts.test.yml (every alert: a firing and a quiet case)
#   3. promtool check config  prometheus/prometheus.yml (the compose stack's Prometheus)
#   4. node lib/check-catalogue.mjs: metrics.md is consistent with the exporter's naming rules
#      (and, after `npm ci`, with the real @opentelemetry/exporter-prometheus); the rules, the
#      Grafana dashboard and the runbooks reference only catalogued series and labels; every alert
#      has severity, summary, description and an existing runbook.
#   5. YAML syntax of the collector, Grafana provisioning and compose files (when a YAML parser is
#      available: python3 + PyYAML, or the repo's node_modules).
# Exit status: 0 all green, 1 a check failed, 2 a tool is missing (promtool: see REVMESH_SKIP_PROMTOOL).
#
# Usage: bash deploy/observability/check.sh
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
apt_line='apt-get update && apt-get install -y --no-install-recommends prometheus'

have_promtool=1
if ! command -v promtool > /dev/null 2>&1; then
  have_promtool=0
  echo "check.sh: promtool not found. It ships in Debian's 'prometheus' package (2.42 on Debian 12):" >&2
  echo "  $apt_line        # as root, or with sudo" >&2
  echo "  (elsewhere: the promtool binary of any Prometheus >= 2.42 release tarball)" >&2
  # `npm test` must never pass without the rule tests: missing promtool fails the check unless the
  # caller opts out by name (a laptop without Debian's package), and the last line then says so.
  if [ "${REVMESH_SKIP_PROMTOOL:-}" != "1" ] || [ -n "${CI:-}" ]; then
    echo "check.sh: FAILED: promtool is required (set REVMESH_SKIP_PROMTOOL=1 to run the other checks without it; never under CI)." >&2
    exit 2
  fi
  echo "check.sh: WARNING: REVMESH_SKIP_PROMTOOL=1: skipping the promtool checks (rules, rule tests, config)." >&2
fi
if ! command -v node > /dev/null 2>&1; then
  echo "check.sh: node not found (Node 20+ is needed for the catalogue checks)." >&2
  exit 2
fi

failed=0
step() {
  local title=$1
  shift
  echo "== $title"
  if ! "$@"; then
    echo "!! FAILED: $title" >&2
    failed=1
  fi
}

test_rules() {
  # rule_files in the test file are relative to it.
  (cd "$here/prometheus" && promtool test rules alerts.test.yml)
}

yaml_files=(
  "$repo/docker-compose.observability.yml"
  "$here/otel-collector/config.yaml"
  "$here/grafana/provisioning/datasources/revmesh.yml"
  "$here/grafana/provisioning/dashboards/revmesh.yml"
)
check_yaml() {
  if command -v python3 > /dev/null 2>&1 && python3 -c 'import yaml' > /dev/null 2>&1; then
    python3 - "${yaml_files[@]}" << 'EOF'
import sys, yaml
for path in sys.argv[1:]:
    with open(path) as f:
        yaml.safe_load(f)
    print(f"  {path}: valid YAML")
EOF
  elif (cd "$repo" && node -e 'require.resolve("yaml")' > /dev/null 2>&1); then
    (cd "$repo" && node -e '
      const { readFileSync } = require("node:fs");
      const YAML = require("yaml");
      for (const path of process.argv.slice(1)) { YAML.parse(readFileSync(path, "utf8")); console.log(`  ${path}: valid YAML`); }
    ' "${yaml_files[@]}")
  else
    echo "  SKIP: no YAML parser (python3-yaml, or npm ci for node_modules/yaml)"
  fi
}

if [ "$have_promtool" = 1 ]; then
  step "promtool check rules" promtool check rules "$here/prometheus/alerts.yml"
  step "promtool test rules" test_rules
  step "promtool check config" promtool check config "$here/prometheus/prometheus.yml"
fi
step "catalogue: metrics.md vs exporter, rules, dashboard, runbooks" node "$here/lib/check-catalogue.mjs" "$repo"
step "YAML syntax" check_yaml

if ((failed)); then
  echo "check.sh: FAILED (see !! lines above)" >&2
  exit 1
fi
if [ "$have_promtool" = 1 ]; then
  echo "check.sh: all observability checks passed ($(promtool --version 2>&1 | head -n 1))"
else
  echo "check.sh: catalogue and YAML checks passed; promtool checks SKIPPED (REVMESH_SKIP_PROMTOOL=1)"
fi
