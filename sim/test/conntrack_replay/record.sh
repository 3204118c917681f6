#!/usr/bin/env bash
# Records what real conntrack observes for every replay trace of the manifest (README.md beside
# this file): builds each trace with sim_ct_replay and replays it through kernel_replay.py, one
# profile per line of MANIFEST. Run as root after changing a capture or the mutations:
#
#   sim/test/conntrack_replay/record.sh build/debug/sim/test/sim_ct_replay [sim/test/data/conntrack]
set -euo pipefail
TOOL=$(realpath "$1")
DATA=$(realpath "${2:-$(dirname "$0")/../data/conntrack}")
HERE=$(dirname "$(realpath "$0")")
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
WORK=$(mktemp -d /tmp/phx-ctrec.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
grep -v '^#' "$DATA/MANIFEST" | while read -r pcap seed profile kernel; do
  [[ -n $pcap ]] || continue
  "$TOOL" trace "$DATA/$pcap" "$seed" "$WORK/trace.jsonl"
  python3 "$HERE/kernel_replay.py" "$WORK/trace.jsonl" "$DATA/$kernel" --profile "$profile"
  echo "recorded $kernel"
done
