#!/usr/bin/env bash
# `phantasm bench --quick` end to end: it runs, and its JSON has a row per mode and stream
# count with every field, a summary with the ratio to direct, and the machine facts. No timing
# is asserted: the numbers depend on the machine and its load.
#   quick_smoke.sh PHANTASM_BIN OUT_DIR      exit 0 pass, 1 fail, 77 skipped (not root)
set -uo pipefail
PHANTASM=${1:?phantasm binary}
OUT=${2:?output directory}
[[ $(id -u) -eq 0 ]] || { echo "SKIP: phantasm bench needs root"; exit 77; }
mkdir -p "$OUT"
"$PHANTASM" bench --quick --no-micro --json "$OUT/quick.json"
status=$?
[[ $status -eq 77 ]] && exit 77
[[ $status -eq 0 ]] || { echo "FAIL: phantasm bench --quick exited $status"; exit 1; }
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/check_quick.py" "$OUT/quick.json"
