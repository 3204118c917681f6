#!/usr/bin/env bash
# The same scenario and seed twice: the JSON and every pcap must come out byte for byte the
# same (the simulation reads no clock and draws every random number from the scenario's seed).
# The pcaps must also open in tcpdump (libpcap) when it is installed.
#
#   determinism.sh PHANTASM SCENARIO.yaml
set -euo pipefail
PHANTASM=$1 SCENARIO=$2
WORK=$(mktemp -d /tmp/phx-simdet.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for run in a b; do
  "$PHANTASM" sim run "$SCENARIO" --json "$WORK/$run.json" --pcap-dir "$WORK/$run" > "$WORK/$run.log" || true
done
status=0
cmp "$WORK/a.json" "$WORK/b.json" || { echo "FAIL: the JSON differs between two runs"; status=1; }
pcaps=0
while IFS= read -r -d '' file; do
  pcaps=$((pcaps + 1))
  other="$WORK/b/${file#"$WORK"/a/}"
  cmp "$file" "$other" || { echo "FAIL: $file differs between two runs"; status=1; }
  if command -v tcpdump > /dev/null; then
    tcpdump -nn -r "$file" > /dev/null 2>&1 || { echo "FAIL: tcpdump cannot read $file"; status=1; }
  fi
done < <(find "$WORK/a" -name '*.pcap' -print0)
[[ $pcaps -gt 0 ]] || { echo "FAIL: no pcaps written"; status=1; }
echo "$pcaps pcaps and the JSON compared: $([[ $status -eq 0 ]] && echo identical || echo DIFFERENT)"
exit $status
