#!/usr/bin/env bash
# Runs every libFuzzer target found in BUILD_DIR/fuzz for SECONDS each, starting from the seed
# corpus in fuzz/corpus/<target>. New inputs go to a scratch directory, not into the repo.
#   scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?build dir}
seconds=${2:?seconds}
shopt -s nullglob
targets=("$build"/fuzz/fuzz_*)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz.sh: no fuzz targets in $build/fuzz" >&2
  exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  [[ -x "$t" ]] || continue
  name=$(basename "$t")
  mkdir -p "$scratch/$name"
  seeds="fuzz/corpus/${name#fuzz_}"
  echo "fuzz.sh: $name for ${seconds}s (seeds: $seeds)"
  "$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$scratch/$name-" \
    "$scratch/$name" ${seeds:+$( [[ -d $seeds ]] && echo "$seeds")} 2>&1 | grep -E '^(stat::number_of_executed_units|stat::peak_rss|==|SUMMARY|.*ERROR)' || true
  if compgen -G "$scratch/$name-crash-*" >/dev/null || compgen -G "$scratch/$name-leak-*" >/dev/null \
     || compgen -G "$scratch/$name-timeout-*" >/dev/null; then
    echo "fuzz.sh: $name found a failing input:" >&2
    ls "$scratch/$name"-* >&2
    mkdir -p build/fuzz-artifacts && cp "$scratch/$name"-* build/fuzz-artifacts/
    exit 1
  fi
done
echo "fuzz.sh: no crashes"
