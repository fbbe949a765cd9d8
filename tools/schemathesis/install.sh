#!/usr/bin/env bash
# Installs schemathesis and openapi-spec-validator (PyPI, pinned) into their own virtual
# environment, .venv/schemathesis at the repo root, for the authority's API fuzz test
# (apps/authority/src/openapi/api-fuzz.int.spec.ts). Idempotent: an environment that already
# holds the pinned versions is kept as it is.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PINNED="schemathesis==4.32.5 openapi-spec-validator==0.7.1"
VENV=".venv/schemathesis"

installed() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(" ".join(f"{p}=={m.version(p)}" for p in ("schemathesis", "openapi-spec-validator")))' 2>/dev/null
}
if [ -x "$VENV/bin/python" ] && [ "$(installed)" = "$PINNED" ]; then
  exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v python3 >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
fi
rm -rf "$VENV"
# Debian splits venv's pip bootstrap (ensurepip) out of python3: without python3-venv, creating
# the environment fails; install it then and try again.
if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
  rm -rf "$VENV"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC2086 # two requirements, split on purpose
"$VENV/bin/pip" install --quiet --disable-pip-version-check $PINNED
"$VENV/bin/schemathesis" --version
