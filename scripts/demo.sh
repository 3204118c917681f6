#!/usr/bin/env bash
# The demo: builds Phantasm and shows it carrying UDP as fake TCP. Installs dependencies first
# when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_deps
echo "demo: building (release)"
cmake --preset release >/dev/null
cmake --build --preset release --target phantasm
exec build/release/apps/phantasm demo "$@"
