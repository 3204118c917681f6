#!/usr/bin/env bash
# Runs every test of the project: installs dependencies (as root), builds each variant it
# needs and runs its tests, then the fuzzers for a bounded time. Prints each stage's time.
#
#   scripts/test.sh [--quick] [--fuzz-seconds N]
#     --quick           only the g++ debug build and its tests
#     --fuzz-seconds N  seconds per fuzz target (default 30; 0 skips fuzzing)
# Tests that need root or network namespaces skip themselves, with the reason, when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

quick=0
fuzz_seconds=${PHANTASM_FUZZ_SECONDS:-30}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --fuzz-seconds) fuzz_seconds=$2; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

ctest_label() {  # preset label
  ctest --preset "$1" -L "$2" --no-tests=ignore -j2
}

stage "install dependencies" ensure_deps
stage "build debug (g++ 12, -Werror)" bash -c 'cmake --preset debug >/dev/null && cmake --build --preset debug'
stage "test debug: engine" ctest_label debug engine
stage "test debug: harness" ctest_label debug harness
stage "test debug: apps" ctest_label debug apps
stage "test debug: bench smoke" ctest_label debug bench
stage "test debug: sim (ns-3, conntrack model)" ctest_label debug sim
stage "test debug: netns end-to-end (root)" ctest_label debug netns

if [[ $quick -eq 0 ]]; then
  stage "build asan+ubsan (engine, harness)" bash -c 'cmake --preset asan >/dev/null && cmake --build --preset asan'
  stage "test asan+ubsan" ctest --preset asan -j2
  stage "build tsan (daemons)" bash -c 'cmake --preset tsan >/dev/null && cmake --build --preset tsan --target phantasm-client phantasm-server phantasm'
  stage "test tsan: daemons with 2 workers (root)" ctest --preset tsan -L netns -R 2worker --no-tests=ignore
  stage "build clang-14 + libFuzzer (engine)" bash -c 'cmake --preset clang >/dev/null && cmake --build --preset clang'
  stage "test clang-14" ctest --preset clang -j2 -LE fuzz
  if [[ "$fuzz_seconds" -gt 0 ]]; then
    stage "fuzz (${fuzz_seconds} s per target)" scripts/fuzz.sh build/clang "$fuzz_seconds"
  fi
fi

stage_summary
echo "all tests passed"
