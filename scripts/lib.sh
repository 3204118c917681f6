# Shared helpers for the project's scripts: timed stages and a summary table.
# shellcheck shell=bash
STAGE_NAMES=()
STAGE_TIMES=()
STAGE_RESULTS=()

# stage NAME COMMAND...: runs COMMAND, records its wall time and result, stops on failure.
stage() {
  local name=$1
  shift
  local start end rc
  echo
  echo "==> [$(date +%H:%M:%S)] $name"
  start=$(date +%s)
  set +e
  "$@"
  rc=$?
  set -e
  end=$(date +%s)
  STAGE_NAMES+=("$name")
  STAGE_TIMES+=($((end - start)))
  STAGE_RESULTS+=("$([[ $rc -eq 0 ]] && echo ok || echo "FAILED($rc)")")
  echo "<== $name: $((end - start)) s, $([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)")"
  if [[ $rc -ne 0 ]]; then
    stage_summary
    exit "$rc"
  fi
}

stage_summary() {
  local total=0
  echo
  echo "---- stage times ----"
  for i in "${!STAGE_NAMES[@]}"; do
    printf '%6d s  %-10s %s\n' "${STAGE_TIMES[$i]}" "${STAGE_RESULTS[$i]}" "${STAGE_NAMES[$i]}"
    total=$((total + STAGE_TIMES[$i]))
  done
  printf '%6d s  total\n' "$total"
}

# Installs dependencies as root; otherwise checks and explains what is missing.
ensure_deps() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  "$here/install-deps.sh"
}
