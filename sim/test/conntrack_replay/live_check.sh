#!/usr/bin/env bash
# The model against the running kernel, not the recorded observations: replays one trace
# through real conntrack now and compares. Catches a kernel whose conntrack behaves differently
# from the one the observations in data/conntrack/ were recorded on. Root only (77 otherwise).
#
#   live_check.sh SIM_CT_REPLAY PCAP SEED PROFILE
set -euo pipefail
TOOL=$(realpath "$1") PCAP=$(realpath "$2") SEED=$3 PROFILE=$4
HERE=$(dirname "$(realpath "$0")")
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
WORK=$(mktemp -d /tmp/phx-ctlive.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp "$PCAP" "$WORK/capture.pcap"
"$TOOL" trace "$WORK/capture.pcap" "$SEED" "$WORK/trace.jsonl"
python3 "$HERE/kernel_replay.py" "$WORK/trace.jsonl" "$WORK/kernel.txt" --profile "$PROFILE"
echo "capture.pcap $SEED $PROFILE kernel.txt" > "$WORK/MANIFEST"
"$TOOL" compare "$WORK/MANIFEST"
