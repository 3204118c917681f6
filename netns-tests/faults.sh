#!/usr/bin/env bash
# Hostile input and faults against running daemons, in the Phantun README topology
# (lib/topology.sh):
#
#  1. hostile packets written into both daemons' TUN devices while 4 echoed flows run: TCP
#     shorter than its header, bad checksums, bad data offsets, impossible flags, segments for
#     unknown connections, blind RSTs with random sequence numbers on the live flows' tuples
#     (IPv4), truncated and bad-checksum IPv6. The flows must lose nothing, no flow may reset,
#     both daemons stay up, and every hostile packet is a named drop in the stats line.
#  1b. a link narrower than the TUN's MTU: the ICMP fragmentation-needed that comes back is
#     reported (a warning naming the path MTU, `path mtu` in the stats, icmp-too-big counted).
#  2. the UDP application behind the server goes away and comes back: the daemon stays up,
#     counts what it could not deliver, and the flows carry everything again once it is back.
#  3. a remote that does not answer: the client's handshake fails with a log line, its queued
#     datagrams are counted, and it keeps serving (then exits 0 on SIGTERM); a remote that does
#     not resolve is a one-line error and exit status 1; a --remote name that moves from a dead
#     address to the server's is followed (re-resolved, then a reconnection).
#  4. the server's TUN device deleted under it: a log line and exit status 1, within 5 s.
#
#   faults.sh CLIENT_BIN SERVER_BIN PHANTASM_BIN
# Exit 0: pass; 1: fail; 77: skipped (not root, or a tool is missing), with the reason.
set -uo pipefail

CLIENT_BIN=$(readlink -f "${1:?client binary}")
SERVER_BIN=$(readlink -f "${2:?server binary}")
PHANTASM=$(readlink -f "${3:?phantasm binary}")
HERE=$(dirname "$(readlink -f "$0")")
INJECT="$HERE/inject_hostile.py"
HOSTILE=${PHX_HOSTILE:-2000}  # packets of each kind

source "$HERE/lib/topology.sh"

alive() { kill -0 "$1" 2>/dev/null; }

# last_stats PID LOG: asks for a stats line (SIGUSR1) and prints it.
last_stats() {
  local before
  before=$(grep -c "stats:" "$2")
  kill -USR1 "$1"
  wait_for 5 bash -c "[[ \$(grep -c stats: '$2') -gt $before ]]"
  grep "stats:" "$2" | tail -1
}

# drops_named LINE REASON...: the sum of those drop counters in a stats line.
drops_named() {
  local line=$1 sum=0 reason n
  shift
  for reason in "$@"; do
    n=$(grep -o " $reason=[0-9]*" <<<"$line" | cut -d= -f2)
    sum=$((sum + ${n:-0}))
  done
  echo "$sum"
}

# echoed NAME COUNT FLOWS: COUNT datagrams per flow, echoed, must all come back intact.
echoed() {
  local name=$1 count=$2 flows=$3
  in_c "$PHANTASM" udpgen send --target 127.0.0.1:1234 --bind 127.0.0.1:42000 --flows "$flows" \
    --count "$count" --rate 1kpps --size 64-1400 --echo --warmup 2s --grace 3s --expect-lossless -q \
    >"$WORK/$name.txt" 2>&1
}

log "namespaces ${P}{c,r,s}; logs in $WORK"
setup_topology || { fail "topology setup"; exit 1; }

start sink "$NS_S" "$PHANTASM" udpgen sink --listen 127.0.0.1:7777 --echo -q
sink_pid=$PID
PHANTASM_LOG=info start server "$NS_S" "$SERVER_BIN" -l 4567 -r 127.0.0.1:7777 --tun ps
server_pid=$PID
wait_for 10 grep -q "Listening on 4567" "$WORK/server.log" || { fail "server did not start"; exit 1; }
PHANTASM_LOG=info start client "$NS_C" "$CLIENT_BIN" -l 127.0.0.1:1234 -r 10.90.2.2:4567 --tun pc
client_pid=$PID
wait_for 10 grep -q "Listening on UDP" "$WORK/client.log" || { fail "client did not start"; exit 1; }

# ---- 1. hostile input while flows run ------------------------------------------------------------
log "1. hostile packets into both TUNs while 4 echoed flows run"
echoed open 20 4 || fail "opening the flows: $(tail -2 "$WORK/open.txt")"
server_before=$(last_stats "$server_pid" "$WORK/server.log")
client_before=$(last_stats "$client_pid" "$WORK/client.log")
# The live flows as the server sees them (the router's masquerade address and ports).
mapfile -t tuples < <(in_s conntrack -L -p tcp --orig-port-dst 4567 2>/dev/null |
  sed -nE 's/.*src=([0-9.]+) dst=[0-9.]+ sport=([0-9]+) dport=4567 .*/\1:\2/p' | sort -u)
[[ ${#tuples[@]} -eq 4 ]] || fail "expected 4 live fake-TCP flows in the server's conntrack, found ${#tuples[@]}"
in_c "$PHANTASM" udpgen send --target 127.0.0.1:1234 --bind 127.0.0.1:42000 --flows 4 \
  --rate 1kpps --duration 12s --size 64-1400 --echo --grace 3s --expect-lossless -q \
  >"$WORK/during.txt" 2>&1 &
traffic_pid=$!
PIDS+=("$traffic_pid")
sleep 1
tuple_args=()
for t in "${tuples[@]}"; do tuple_args+=(--tuple "$t"); done
t0=$SECONDS
server_sent=$(in_s python3 "$INJECT" --peer 192.168.201.2 --peer6 fcc9::2 --port 4567 \
  --count "$HOSTILE" --seed 1 "${tuple_args[@]}") || fail "injecting into the server's TUN"
client_sent=$(in_c python3 "$INJECT" --peer 192.168.200.2 --port 33000 --count "$HOSTILE" --seed 2) ||
  fail "injecting into the client's TUN"
log "   injected in $((SECONDS - t0)) s: server $server_sent; client $client_sent"
wait "$traffic_pid"
rc=$?
PIDS=("${PIDS[@]/$traffic_pid/}")
[[ $rc -eq 0 ]] && pass "4 echoed flows lost nothing while hostile packets arrived" ||
  fail "echoed flows under attack (udpgen exit $rc): $(grep -E 'echoed|sent' "$WORK/during.txt" | head -3)"
alive "$server_pid" && alive "$client_pid" && pass "both daemons still running" || fail "a daemon died"
server_after=$(last_stats "$server_pid" "$WORK/server.log")
client_after=$(last_stats "$client_pid" "$WORK/client.log")
echo "      server $server_after"
echo "      client $client_after"

# Every injected packet is a named drop (or, for a blind RST inside the window, a challenged one).
reasons=(tcp-truncated tcp-bad-checksum tcp-bad-data-offset tcp-bad-flags no-connection
         rst-out-of-window rst-challenged ipv6-truncated)
count_sent() { python3 -c 'import json,sys; print(sum(json.loads(sys.argv[1]).values()))' "$1"; }
for side in server client; do
  before_var=${side}_before after_var=${side}_after sent_var=${side}_sent
  want=$(count_sent "${!sent_var}")
  got=$(( $(drops_named "${!after_var}" "${reasons[@]}") - $(drops_named "${!before_var}" "${reasons[@]}") ))
  [[ $got -eq $want ]] && pass "$side: all $want hostile packets counted as named drops" ||
    fail "$side: $want hostile packets sent, $got counted as named drops"
done
resets_in=$(sed -nE 's/.*resets in ([0-9]+) .*/\1/p' <<<"$server_after")
[[ $resets_in -eq 0 ]] && pass "no blind RST closed a flow (resets in 0)" ||
  fail "the server accepted $resets_in RSTs"
logged=$(wc -l <"$WORK/server.log")
[[ $logged -lt 100 ]] && pass "server log stayed short under attack ($logged lines)" ||
  fail "server wrote $logged log lines under attack"

# ---- 1b. a narrower link on the path: ICMP fragmentation needed reaches the client's TUN ---------
log "1b. the router's server-side link narrowed to MTU 1400"
ip -n "$NS_R" link set r1 mtu 1400
in_c "$PHANTASM" udpgen send --target 127.0.0.1:1234 --bind 127.0.0.1:42000 --flows 1 --count 20 \
  --rate 100pps --size 1420 -q >/dev/null 2>&1
if wait_for 5 grep -q "ICMP reports a path MTU of 1400" "$WORK/client.log"; then
  mtu_stats=$(last_stats "$client_pid" "$WORK/client.log")
  grep -q "path mtu 1400 (ICMP)" <<<"$mtu_stats" && [[ $(drops_named "$mtu_stats" icmp-too-big) -ge 1 ]] &&
    pass "client reported the path MTU: '$(grep -o 'ICMP reports.*lower --mtu to 1400' "$WORK/client.log" | head -1)', icmp-too-big=$(drops_named "$mtu_stats" icmp-too-big)" ||
    fail "path MTU not in the stats: $mtu_stats"
else
  fail "no path MTU warning: $(tail -2 "$WORK/client.log")"
fi
ip -n "$NS_R" link set r1 mtu 1500

# ---- 2. the UDP application goes away and comes back ---------------------------------------------
log "2. the UDP server behind phantasm-server stops, then returns"
stop "$sink_pid"
in_c "$PHANTASM" udpgen send --target 127.0.0.1:1234 --bind 127.0.0.1:42000 --flows 4 --count 100 \
  --rate 1kpps -q >"$WORK/nosink.txt" 2>&1
sleep 1
gone=$(last_stats "$server_pid" "$WORK/server.log")
alive "$server_pid" && pass "server runs on with its UDP application gone" || fail "server died"
echo "      server $gone"
start sink "$NS_S" "$PHANTASM" udpgen sink --listen 127.0.0.1:7777 --echo -q
echoed back 200 4 && pass "after the application returned, 4 flows x 200 datagrams came back intact" ||
  fail "after the application returned: $(tail -3 "$WORK/back.txt")"

# ---- 3. a remote that does not answer, and one that does not resolve -----------------------------
log "3. remote unreachable"
# 10.90.3.9 is routed nowhere: the router answers net unreachable or nothing.
PHANTASM_LOG=info start lost "$NS_C" "$CLIENT_BIN" -l 127.0.0.1:1300 -r 10.90.3.9:4567 --tun pl \
  --tun-local 192.168.210.1 --tun-peer 192.168.210.2
lost_pid=$PID
wait_for 10 grep -q "Listening on UDP" "$WORK/lost.log" || fail "second client did not start"
in_c "$PHANTASM" udpgen send --target 127.0.0.1:1300 --count 5 --rate 100pps -q >/dev/null 2>&1
if wait_for 10 grep -q "got no answer" "$WORK/lost.log"; then
  pass "unanswered handshake logged: $(grep "got no answer" "$WORK/lost.log" | head -1 | cut -c25-)"
else
  fail "no log line about the failed handshake: $(tail -2 "$WORK/lost.log")"
fi
lost_stats=$(last_stats "$lost_pid" "$WORK/lost.log")
failed=$(drops_named "$lost_stats" handshake-failed pending-queue-full path-down)
udp_in=$(sed -nE 's/.*udp in ([0-9]+) .*/\1/p' <<<"$lost_stats")
[[ $udp_in -ge 5 && $failed -eq $udp_in ]] &&
  pass "each of its $udp_in datagrams counted (handshake-failed, pending-queue-full, path-down)" ||
  fail "$udp_in datagrams to a dead remote, $failed counted: $lost_stats"
stop "$lost_pid" && pass "it exits 0 on SIGTERM" || fail "exit status $? after SIGTERM"
in_c "$CLIENT_BIN" -l 127.0.0.1:1301 -r no-such-host.invalid:4567 --tun pn >"$WORK/noresolve.log" 2>&1
rc=$?
[[ $rc -eq 1 ]] && grep -q "cannot resolve" "$WORK/noresolve.log" &&
  pass "unresolvable remote: exit 1, '$(grep -o 'cannot resolve.*' "$WORK/noresolve.log" | head -1)'" ||
  fail "unresolvable remote: exit $rc: $(tail -1 "$WORK/noresolve.log")"

# ---- 3b. the server's name moves to another address ----------------------------------------------
log "3b. --remote by name: the name moves from a dead address to the server"
echo "10.90.3.9 phx-server.test" >"$WORK/hosts"
PHANTASM_LOG=info start moving "$NS_C" unshare --mount --propagation private bash -c \
  'mount --bind "$1" /etc/hosts && shift && exec "$@"' phx-hosts "$WORK/hosts" \
  "$CLIENT_BIN" -l 127.0.0.1:1400 -r phx-server.test:4567 --tun pcm --tun-local 192.168.211.1 \
  --tun-peer 192.168.211.2 --resolve-interval 1
moving_pid=$PID
wait_for 10 grep -q "Listening on UDP" "$WORK/moving.log" || fail "client by name did not start"
in_c "$PHANTASM" udpgen send --target 127.0.0.1:1400 --bind 127.0.0.1:43000 --count 3 --rate 100pps -q \
  >/dev/null 2>&1
wait_for 10 grep -q "got no answer" "$WORK/moving.log" || fail "no failed handshake towards the dead address"
echo "10.90.2.2 phx-server.test" >"$WORK/hosts"
t0=$SECONDS
if wait_for 5 grep -q "now resolves to 10.90.2.2:4567" "$WORK/moving.log" &&
  in_c "$PHANTASM" udpgen send --target 127.0.0.1:1400 --bind 127.0.0.1:43000 --count 200 \
    --rate 1kpps --echo --warmup 40s --grace 3s --expect-lossless -q >"$WORK/moved.txt" 2>&1; then
  pass "the flow followed the name to its new address: 200 datagrams echoed intact, $((SECONDS - t0)) s after the change"
else
  fail "after the name moved: $(grep -E 'resolves|closed' "$WORK/moving.log" | tail -2) $(tail -2 "$WORK/moved.txt")"
fi
stop "$moving_pid" || fail "client by name: exit status $? after SIGTERM"

# ---- 4. the TUN device deleted under a running server --------------------------------------------
log "4. server TUN deleted"
ip -n "$NS_S" link del ps
t0=$SECONDS
wait_for 5 bash -c "! kill -0 $server_pid 2>/dev/null"
wait "$server_pid"
rc=$?
PIDS=("${PIDS[@]/$server_pid/}")
if [[ $rc -eq 1 ]] && grep -q "TUN device ps removed" "$WORK/server.log"; then
  pass "server exits 1 within $((SECONDS - t0)) s: '$(grep -o 'TUN device ps removed.*' "$WORK/server.log")'"
else
  fail "server after its TUN was deleted: exit $rc, $(tail -2 "$WORK/server.log")"
fi

if grep -lE 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error:' "$WORK"/*.log; then
  fail "sanitizer reports in the logs above"
fi
if [[ $FAILURES -eq 0 ]]; then
  log "PASS"
  exit 0
fi
log "FAIL ($FAILURES)"
exit 1
