#!/usr/bin/env bash
# Highest loss-free rate through the tunnel in the Phantun README topology (lib/topology.sh),
# measured with `phantasm udpgen`: 1400-byte datagrams, client ns -> server ns (one way), for 1
# and 5 flows, with 1 and 2 workers per daemon, next to direct UDP over the same NAT path.
#
#   bench_throughput.sh CLIENT_BIN SERVER_BIN UDPGEN_COMMAND...
#   env: PHX_BENCH_SECONDS (per trial, default 5), PHX_BENCH_WORKERS ("1 2"),
#        PHX_BENCH_FLOWS ("1 5"), PHX_BENCH_MAX (Mbit/s cap of the search, default 2000)
#
# "Loss-free" means the sink got every datagram intact (udpgen --expect-lossless). The search
# doubles from 100 Mbit/s until a trial loses, then bisects 4 times. Flows are opened at a low
# rate before the trials (from fixed ports), so handshakes are not part of the measurement.
# The numbers depend on what else runs on the machine: compare rows of one run only.
set -uo pipefail

CLIENT_BIN=$(readlink -f "${1:?client binary}")
SERVER_BIN=$(readlink -f "${2:?server binary}")
shift 2
UDPGEN=("$@")
[[ ${#UDPGEN[@]} -gt 0 ]] || { echo "usage: $0 CLIENT SERVER UDPGEN_COMMAND..."; exit 2; }
SECONDS_PER_TRIAL=${PHX_BENCH_SECONDS:-5}
WORKER_SET=${PHX_BENCH_WORKERS:-1 2}
FLOW_SET=${PHX_BENCH_FLOWS:-1 5}
CAP=${PHX_BENCH_MAX:-2000}

source "$(dirname "$(readlink -f "$0")")/lib/topology.sh"

# trial TARGET FLOWS MBIT: one paced run; prints "lossless|lossy RECEIVED_MBIT".
trial() {
  local target=$1 flows=$2 mbit=$3 sink_pid
  start sink "$NS_S" "${UDPGEN[@]}" sink --listen :7777 -q --stop-after-flows "$flows" \
    --json "$WORK/sink.json"
  sink_pid=$PID
  wait_for 5 bash -c "ip netns exec $NS_S ss -Hun sport = :7777 | grep -q 7777"
  in_c "${UDPGEN[@]}" send --target "$target" --bind "$BIND" --flows "$flows" --size 1400 \
    --rate "${mbit}M" --duration "${SECONDS_PER_TRIAL}s" -q >/dev/null 2>&1
  wait_for 5 bash -c "! kill -0 $sink_pid 2>/dev/null"
  stop "$sink_pid" >/dev/null 2>&1
  python3 - "$WORK/sink.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); r = d["directions"][0]
ok = r["lost"] == 0 and r["corrupted"] == 0 and r["duplicated"] == 0 and d["lossless"]
print("lossless" if ok else "lossy", round(r["mbit_per_s"], 1))
PY
}

# search TARGET FLOWS: prints the highest loss-free Mbit/s found.
search() {
  local target=$1 flows=$2 good=0 bad=0 rate=100 verdict got i
  while :; do
    read -r verdict got < <(trial "$target" "$flows" "$rate")
    echo "        $rate Mbit/s offered: $verdict, $got received" >&2
    if [[ $verdict == lossless ]]; then good=$rate; else bad=$rate; break; fi
    [[ $rate -ge $CAP ]] && break
    rate=$((rate * 2 > CAP ? CAP : rate * 2))
  done
  if [[ $bad -gt 0 ]]; then
    for i in 1 2 3 4; do
      rate=$(((good + bad) / 2))
      read -r verdict got < <(trial "$target" "$flows" "$rate")
      echo "        $rate Mbit/s offered: $verdict, $got received" >&2
      if [[ $verdict == lossless ]]; then good=$rate; else bad=$rate; fi
    done
  fi
  echo "$good"
}

# open_flows TARGET FLOWS: one datagram per flow from the fixed ports, so the tunnel's flows
# exist before the trials.
open_flows() {
  start sink "$NS_S" "${UDPGEN[@]}" sink --listen :7777 -q --stop-after-flows "$2"
  local pid=$PID
  wait_for 5 bash -c "ip netns exec $NS_S ss -Hun sport = :7777 | grep -q 7777"
  in_c "${UDPGEN[@]}" send --target "$1" --bind "$BIND" --flows "$2" --count 20 --rate 1kpps -q \
    >/dev/null 2>&1
  stop "$pid" >/dev/null 2>&1
}

setup_topology || { echo "topology setup failed"; exit 1; }
BIND=127.0.0.1:42000
declare -A RESULT
echo "highest loss-free rate, 1400-byte datagrams, client ns -> server ns, ${SECONDS_PER_TRIAL} s trials"

for flows in $FLOW_SET; do
  log "direct UDP, $flows flow(s)"
  BIND=10.90.1.2:42000
  RESULT["direct,$flows"]=$(search 10.90.2.2:7777 "$flows")
done

for workers in $WORKER_SET; do
  start server "$NS_S" "$SERVER_BIN" -l 4567 -r 127.0.0.1:7777 --tun ps --threads "$workers" \
    --stats-interval 0
  server_pid=$PID
  start client "$NS_C" "$CLIENT_BIN" -l 127.0.0.1:1234 -r 10.90.2.2:4567 --tun pc \
    --threads "$workers" --stats-interval 0
  client_pid=$PID
  wait_for 10 grep -q "Listening on 4567" "$WORK/server.log"
  wait_for 10 grep -q "Listening on UDP" "$WORK/client.log"
  BIND=127.0.0.1:42000
  for flows in $FLOW_SET; do
    log "phantasm, $workers worker(s), $flows flow(s)"
    open_flows 127.0.0.1:1234 "$flows"
    RESULT["phantasm-${workers}w,$flows"]=$(search 127.0.0.1:1234 "$flows")
  done
  kill -USR1 "$client_pid" "$server_pid"
  sleep 0.5
  grep "stats:" "$WORK/client.log" | tail -1 | sed 's/^/      client /'
  grep "stats:" "$WORK/server.log" | tail -1 | sed 's/^/      server /'
  stop "$client_pid"
  stop "$server_pid"
done

echo
printf '%-16s' "path"
for flows in $FLOW_SET; do printf '%18s' "$flows flow(s) Mbit/s"; done
echo
for path in direct $(for w in $WORKER_SET; do echo "phantasm-${w}w"; done); do
  printf '%-16s' "$path"
  for flows in $FLOW_SET; do printf '%18s' "${RESULT[$path,$flows]}"; done
  echo
done
