#!/usr/bin/env bash
# End-to-end test of phantasm-client and phantasm-server in Phantun's README topology.
#
#   client ns                          router ns                          server ns
#  +-------------------------+        +------------------------+        +---------------------------+
#  | udp sender              |        |                        |        | udp echo 127.0.0.1:7777   |
#  |   -> 127.0.0.1:1234     |        |  forwarding            |        |   ^                       |
#  | phantasm-client         |        |  masquerade out of r1  |        | phantasm-server -l 4567   |
#  |   tun pc 192.168.200.1  |        |  (a carrier NAT)       |        |   tun ps 192.168.201.1    |
#  |     peer 192.168.200.2  |        |                        |        |     peer 192.168.201.2    |
#  |   masquerade tun -> c0  |        |                        |        |   dnat tcp 4567 -> .201.2 |
#  | c0 10.90.1.2/fd90:1::2  |--------| r0 10.90.1.1  r1 10.90.2.1 |-----| s0 10.90.2.2/fd90:2::2     |
#  +-------------------------+        +------------------------+        +---------------------------+
#
# Checks, for IPv4 and then IPv6 (the IPv6 client runs as a non-root user holding only
# CAP_NET_ADMIN): 16 flows x 5000 datagrams each way arrive intact; conntrack in all three
# namespaces shows the fake-TCP flow ESTABLISHED and [ASSURED]; 0 INVALID (conntrack -S and an nft
# `ct state invalid counter` rule per namespace); no packet leaves with a TUN-private source and
# every TCP checksum on the wire is valid (tcpdump in the router); the daemons' stats name no
# drop; a datagram larger than the tunnel carries is counted, not truncated; SIGTERM exits 0 and
# removes the TUN.
#
#   phantun_topology.sh CLIENT_BIN SERVER_BIN UDP_CHECK_PY [UDPGEN_COMMAND...]
# Traffic comes from `phantasm udpgen` when its command is given (e.g. `phantasm udpgen`), else
# from udp_check.py (which also sends the oversize datagram in either case).
# Exit 0: pass; 1: fail; 77: skipped (not root, or a tool is missing), with the reason.
set -uo pipefail

CLIENT_BIN=$(readlink -f "${1:?client binary}")
SERVER_BIN=$(readlink -f "${2:?server binary}")
UDP_CHECK=$(readlink -f "${3:?udp_check.py}")
shift 3
UDPGEN=("$@")
FLOWS=${PHX_FLOWS:-16}
COUNT=${PHX_COUNT:-5000}
THREADS=${PHX_THREADS:-1}  # workers per daemon (TUN queues)
RATE=${PHX_RATE:-10kpps}   # udpgen's total rate: debug-build daemons on 2 shared cores keep up

source "$(dirname "$(readlink -f "$0")")/lib/topology.sh"

# ---- checks ------------------------------------------------------------------------------------
# conntrack_assured NS PATTERN: an ESTABLISHED [ASSURED] tcp entry matching PATTERN exists.
conntrack_assured() {
  local ns=$1 pattern=$2 family=$3
  ip netns exec "$ns" conntrack -L -f "$family" -p tcp 2>/dev/null |
    grep -E "$pattern" | grep ESTABLISHED | grep -q ASSURED
}

invalid_count() {  # NS: conntrack -S invalid total + nft counter packets
  local ns=$1 stat nftc
  stat=$(ip netns exec "$ns" conntrack -S 2>/dev/null | grep -o 'invalid=[0-9]*' |
    awk -F= '{s += $2} END {print s + 0}')
  nftc=$(ip netns exec "$ns" nft list table inet phx_check | grep -o 'packets [0-9]*' |
    awk '{s += $2} END {print s + 0}')
  echo "$stat $nftc"
}

check_invalid() {
  local ns counts
  for ns in "$NS_C" "$NS_R" "$NS_S"; do
    counts=$(invalid_count "$ns")
    if [[ $counts == "0 0" ]]; then
      pass "$1: 0 INVALID in ${ns#"$P"} (conntrack -S, nft ct state invalid counter)"
    else
      fail "$1: INVALID in ${ns#"$P"}: conntrack -S invalid / nft counter = $counts"
    fi
  done
}

tun_gone() { ! ip -n "$1" link show "$2" >/dev/null 2>&1; }

# counters_balance NAME LOG: the daemon's last stats line accounts for every datagram, both ways:
#   udp in    = udp->tcp + the engine's datagram-side drops
#   tcp->udp  = udp out + udp_send_full + udp_send_error + no_socket
counters_balance() {
  python3 - "$1" "$2" <<'PY' && pass "$1: counters balance (every datagram delivered or named)" ||
import re, sys
name, log = sys.argv[1], sys.argv[2]
line = [l for l in open(log) if "stats:" in l][-1]
num = lambda pat: int(re.search(pat, line).group(1))
drops = dict((k, int(v)) for k, v in re.findall(r" ([a-z_-]+)=(\d+)", line.split("drops:")[1]))
datagram_side = ["pending-queue-full", "datagram-too-large", "empty-datagram", "flow-limit",
                 "ports-exhausted", "handshake-failed", "flow-closed", "no-headroom"]
udp_in, to_tcp = num(r"udp in (\d+)"), num(r"udp->tcp (\d+) datagrams")
to_udp, udp_out = num(r"tcp->udp (\d+) datagrams"), num(r"udp in \d+ out (\d+)")
a = to_tcp + sum(drops.get(k, 0) for k in datagram_side)
b = udp_out + sum(drops.get(k, 0) for k in ["udp_send_full", "udp_send_error", "no_socket"])
print("      %s: udp in %d = udp->tcp + drops %d; tcp->udp %d = udp out + drops %d" % (name, udp_in, a, to_udp, b))
sys.exit(0 if udp_in == a and to_udp == b else 1)
PY
    fail "$1: counters do not balance: $(grep stats: "$2" | tail -1)"
}

# ---- one address family ------------------------------------------------------------------------
# run_family 4|6: client daemon, traffic, conntrack, capture checks, client shutdown.
run_family() {
  local v=$1 remote client_pid send_pid dump_pid dump_full_pid result
  local -a client_cmd
  if [[ $v == 4 ]]; then
    remote=10.90.2.2:4567
    client_cmd=("$CLIENT_BIN" -l 127.0.0.1:1234 -r "$remote" --tun pc4 --threads "$THREADS")
  else
    remote=[fd90:2::2]:4567
    # The non-root path: user nobody holding only CAP_NET_ADMIN (ambient), as the systemd unit
    # runs it. Capabilities do not override file modes, and udev's usual 0666 on /dev/net/tun
    # may be missing (this VM has 0600): give the daemon, in a private mount namespace only, a
    # 0666 node of the same device instead of changing the host's.
    client_cmd=(unshare --mount --propagation private bash -c '
      d=$1; shift
      mount -t tmpfs -o mode=755 phx-dev "$d" && mknod -m 666 "$d/tun" c 10 200 &&
        mount --bind "$d/tun" /dev/net/tun || exit 1
      exec "$@"' phx-tun "$WORK/dev"
      ip netns exec "$NS_C" setpriv --reuid=nobody --regid=nogroup --clear-groups
      --inh-caps=-all,+net_admin --ambient-caps=+net_admin --bounding-set=-all,+net_admin --
      "$CLIENT_BIN" -l 127.0.0.1:1234 -r "$remote" --tun pc6 --threads "$THREADS")
    mkdir -p "$WORK/dev"
  fi
  log "IPv$v: client -> $remote"
  # Capture in the router: headers of everything, and whole packets for checksum checks.
  in_r tcpdump -i any -nn -s 128 -w "$WORK/router$v.pcap" 'tcp or icmp or icmp6' \
    >"$WORK/tcpdump$v.log" 2>&1 &
  dump_pid=$!
  PIDS+=("$dump_pid")
  in_r tcpdump -i r1 -nn -s 0 -c 4000 -w "$WORK/router$v-full.pcap" tcp \
    >"$WORK/tcpdump$v-full.log" 2>&1 &
  dump_full_pid=$!
  PIDS+=("$dump_full_pid")
  wait_for 5 grep -q listening "$WORK/tcpdump$v.log" || fail "IPv$v: tcpdump did not start"
  wait_for 5 grep -q listening "$WORK/tcpdump$v-full.log"

  if [[ $v == 4 ]]; then
    PHANTASM_LOG=info start "client$v" "$NS_C" "${client_cmd[@]}"
  else
    PHANTASM_LOG=info "${client_cmd[@]}" >"$WORK/client$v.log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
  fi
  client_pid=$PID
  if ! wait_for 10 grep -q "Listening on UDP" "$WORK/client$v.log"; then
    fail "IPv$v: client did not start: $(tail -3 "$WORK/client$v.log")"
    return
  fi

  if [[ $v == 6 ]]; then
    local uid caps
    uid=$(awk '/^Uid:/ {print $3}' "/proc/$client_pid/status")
    caps=$(awk '/^CapEff:/ {print $2}' "/proc/$client_pid/status")
    [[ $uid == $(id -u nobody) && $caps == 0000000000001000 ]] &&
      pass "IPv6: client runs as nobody with only CAP_NET_ADMIN (CapEff $caps)" ||
      fail "IPv6: client runs as uid $uid with CapEff $caps"
  fi

  send_traffic "$v" "$client_pid"

  local fam=ipv$v
  conntrack_assured "$NS_C" "dport=4567" "$fam" && pass "IPv$v: client conntrack ESTABLISHED [ASSURED]" ||
    fail "IPv$v: client conntrack: $(in_c conntrack -L -f "$fam" -p tcp 2>&1 | head -3)"
  conntrack_assured "$NS_R" "dport=4567" "$fam" && pass "IPv$v: router conntrack ESTABLISHED [ASSURED]" ||
    fail "IPv$v: router conntrack: $(in_r conntrack -L -f "$fam" -p tcp 2>&1 | head -3)"
  conntrack_assured "$NS_S" "dport=4567" "$fam" && pass "IPv$v: server conntrack ESTABLISHED [ASSURED]" ||
    fail "IPv$v: server conntrack: $(in_s conntrack -L -f "$fam" -p tcp 2>&1 | head -3)"
  local flows_seen
  flows_seen=$(in_r conntrack -L -f "$fam" -p tcp 2>/dev/null | grep ESTABLISHED | grep dport=4567 |
    grep -c ASSURED)
  [[ $flows_seen -eq $FLOWS ]] && pass "IPv$v: router sees $flows_seen assured fake-TCP flows" ||
    fail "IPv$v: router sees $flows_seen assured fake-TCP flows, expected $FLOWS"
  check_invalid "IPv$v after traffic"

  # A datagram larger than the tunnel carries (MTU 1500 - headers) is counted, not truncated.
  in_c python3 "$UDP_CHECK" oversize --target 127.0.0.1:1234 --size 1480
  kill -USR1 "$client_pid"
  if wait_for 5 grep -q "udp_truncated=1" "$WORK/client$v.log"; then
    pass "IPv$v: oversize datagram counted as udp_truncated (stats on SIGUSR1)"
  else
    fail "IPv$v: oversize datagram not counted: $(grep stats: "$WORK/client$v.log" | tail -1)"
  fi

  stop "$client_pid"
  local rc=$?
  [[ $rc -eq 0 ]] && pass "IPv$v: client exited 0 on SIGTERM" || fail "IPv$v: client exit status $rc"
  tun_gone "$NS_C" "pc$v" && pass "IPv$v: client TUN pc$v removed" || fail "IPv$v: TUN pc$v still exists"
  grep "stats:" "$WORK/client$v.log" | tail -1 | sed 's/^/      client /'
  counters_balance "IPv$v client" "$WORK/client$v.log"
  # Wait for the server to see the RSTs, then look for INVALID again (shutdown path).
  wait_for 5 bash -c "! ip netns exec $NS_R conntrack -L -f $fam -p tcp 2>/dev/null | grep ESTABLISHED | grep -q dport=4567"
  check_invalid "IPv$v after client shutdown"

  stop "$dump_pid"
  kill -TERM "$dump_full_pid" 2>/dev/null
  wait "$dump_full_pid" 2>/dev/null
  check_capture "$v"
}

# tunnel_quiet PID LOG: the daemon's stats (asked for with SIGUSR1) show as many datagrams
# delivered as sent, i.e. every echo is back.
tunnel_quiet() {
  local before
  before=$(grep -c "stats:" "$2")
  kill -USR1 "$1"
  wait_for 2 bash -c "[[ \$(grep -c stats: '$2') -gt $before ]]" || return 1
  grep "stats:" "$2" | tail -1 |
    sed -E 's/.*udp->tcp ([0-9]+) datagrams.*tcp->udp ([0-9]+) datagrams.*/\1 \2/' |
    { read -r sent delivered; [[ $sent == "$delivered" ]]; }
}

# send_traffic 4|6: FLOWS x COUNT datagrams of 64-1400 bytes to the client, echoed by the far end.
send_traffic() {
  local v=$1 client_pid=$2 result
  if [[ ${#UDPGEN[@]} -gt 0 ]]; then
    # Open the flows first, one datagram each from the ports the run will use: a flow holds
    # only a few datagrams while its handshake runs (the engine counts the rest as
    # pending-queue-full), and on a loaded machine a handshake can take longer than that.
    local base=$((v == 4 ? 40000 : 41000))
    in_c "${UDPGEN[@]}" send --target 127.0.0.1:1234 --bind 127.0.0.1:$base --flows "$FLOWS" \
      --count 1 --rate 1kpps --echo --grace 10s --expect-lossless -q >"$WORK/prime$v.txt" 2>&1 ||
      fail "IPv$v: opening the flows: $(tail -1 "$WORK/prime$v.txt")"
    # The opening run's end-of-flow markers may still be on their way back: the main run, on the
    # same ports, would count them as misdirected. Wait until the client has delivered as many
    # datagrams as it sent.
    wait_for 10 tunnel_quiet "$client_pid" "$WORK/client$v.log" ||
      echo "      (the opening run's echoes did not all come back)"
    in_c "${UDPGEN[@]}" send --target 127.0.0.1:1234 --bind 127.0.0.1:$base --flows "$FLOWS" --count "$COUNT" \
      --rate "$RATE" --size 64-1400 --echo --grace 3s --expect-lossless -q \
      --json "$WORK/send$v.json" >"$WORK/send$v.txt" 2>&1
    local rc=$?
    sed 's/^/      udpgen: /' "$WORK/send$v.txt"
    result=$(python3 - "$WORK/send$v.json" $((FLOWS * COUNT)) <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); want = int(sys.argv[2])
dirs = {x["name"]: x for x in d["directions"]}
e = dirs["echoed"]
ok = dirs["sent"]["sent"] == want and e["delivered"] == want and e["lost"] == 0 \
    and e["corrupted"] == 0 and e["duplicated"] == 0 and d["lossless"]
print("ok" if ok else "sent %d, echoed back %d intact, lost %d, corrupted %d, duplicated %d" % (
    dirs["sent"]["sent"], e["delivered"], e["lost"], e["corrupted"], e["duplicated"]))
PY
)
    [[ $rc -eq 0 && $result == ok ]] &&
      pass "IPv$v: udpgen: $FLOWS flows x $COUNT datagrams each way arrived intact (lossless)" ||
      fail "IPv$v: udpgen exit $rc: $result"
    return
  fi
  result=$(in_c python3 "$UDP_CHECK" send --target 127.0.0.1:1234 --flows "$FLOWS" \
    --count "$COUNT" --window 32 --flow-base $((v == 4 ? 0 : 1000)))
  echo "      sender: $result"
  if python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d['missing']==0 and d['corrupted']==0 and d['duplicated']==0 and d['wrong_flow']==0 and d['intact']==$((FLOWS * COUNT)) else 1)" "$result"; then
    pass "IPv$v: $FLOWS flows x $COUNT datagrams each way arrived intact"
  else
    fail "IPv$v: datagrams lost, corrupted or duplicated: $result"
  fi
}

# check_capture 4|6: nothing from a TUN-private source on the router's wires; checksums valid.
check_capture() {
  local v=$1 leaked total bad
  total=$(tcpdump -nn -r "$WORK/router$v.pcap" 2>/dev/null | wc -l)
  leaked=$(tcpdump -nn -r "$WORK/router$v.pcap" \
    'src net 192.168.200.0/24 or src net 192.168.201.0/24 or src net fcc8::/16 or src net fcc9::/16' \
    2>/dev/null | wc -l)
  if [[ $total -gt 0 && $leaked -eq 0 ]]; then
    pass "IPv$v: capture: $total packets in the router, none from a TUN-private source"
  else
    fail "IPv$v: capture: $leaked of $total packets leaked a TUN-private source"
  fi
  total=$(tcpdump -nn -vv -r "$WORK/router$v-full.pcap" 2>/dev/null | grep -c 'Flags \[')
  bad=$(tcpdump -nn -vv -r "$WORK/router$v-full.pcap" 2>/dev/null | grep -c 'incorrect')
  if [[ $total -gt 0 && $bad -eq 0 ]]; then
    pass "IPv$v: capture: $total full segments, every IP/TCP checksum valid"
  else
    fail "IPv$v: capture: $bad of $total segments with a bad checksum"
  fi
}

# ---- main --------------------------------------------------------------------------------------
log "namespaces ${P}{c,r,s}; $THREADS worker(s) per daemon; logs in $WORK"
setup_topology || { fail "topology setup"; exit 1; }

if [[ ${#UDPGEN[@]} -gt 0 ]]; then
  start echo "$NS_S" "${UDPGEN[@]}" sink --listen 127.0.0.1:7777 --echo -q --json "$WORK/echo.json"
else
  start echo "$NS_S" python3 "$UDP_CHECK" echo --listen 127.0.0.1:7777 --report "$WORK/echo.json"
fi
echo_pid=$PID
PHANTASM_LOG=info start server "$NS_S" "$SERVER_BIN" -l 4567 -r 127.0.0.1:7777 --tun ps --threads "$THREADS"
server_pid=$PID
wait_for 10 grep -q "Listening on 4567" "$WORK/server.log" || {
  fail "server did not start: $(tail -3 "$WORK/server.log")"
  exit 1
}

run_family 4
run_family 6

kill -USR1 "$server_pid"
wait_for 5 grep -q "stats:" "$WORK/server.log"
stop "$server_pid"
rc=$?
[[ $rc -eq 0 ]] && pass "server exited 0 on SIGTERM" || fail "server exit status $rc"
tun_gone "$NS_S" ps && pass "server TUN ps removed" || fail "server TUN ps still exists"
grep "stats:" "$WORK/server.log" | tail -1 | sed 's/^/      server /'
counters_balance server "$WORK/server.log"
stop "$echo_pid"
# Both families' flows reached the UDP server intact, each from its own per-flow socket.
python3 - "$WORK/echo.json" $((2 * FLOWS)) "$COUNT" <<'PY' && pass "echo server: $((2 * FLOWS)) flows x $COUNT datagrams arrived intact, one UDP source per flow" || fail "echo server saw losses, corruption or shared sources"
import json, sys
d = json.load(open(sys.argv[1])); flows, count = int(sys.argv[2]), int(sys.argv[3])
if "directions" in d:  # udpgen sink
    r = d["directions"][0]
    peers = {f["peer"] for f in d["flows"]}
    print("      echo server (udpgen sink): received %d, delivered %d, lost %d, corrupted %d, "
          "duplicated %d, flows %d, distinct sources %d" % (r["received"], r["delivered"], r["lost"],
          r["corrupted"], r["duplicated"], len(d["flows"]), len(peers)))
    # Each flow also carried its one opening datagram (a session of its own for udpgen).
    ok = r["delivered"] == flows * (count + 1) and r["corrupted"] == 0 \
        and r["duplicated"] == 0 and r["lost"] == 0 and len(peers) == flows
else:  # udp_check.py echo
    print("      echo server: %s" % json.dumps(d))
    ok = d["corrupted"] == 0 and d["intact"] == flows * count and d["flows"] == flows \
        and d["per_flow_min"] == count and d["sources"] == flows
sys.exit(0 if ok else 1)
PY

# Sanitizer builds (tsan preset) report into the daemons' logs.
if grep -lE 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error:' "$WORK"/*.log; then
  fail "sanitizer reports in the daemon logs above"
else
  pass "no sanitizer report in the daemon logs"
fi

if [[ $FAILURES -eq 0 ]]; then
  echo "PASS: netns Phantun topology (IPv4 and IPv6)"
  exit 0
fi
echo "FAIL: $FAILURES check(s) failed"
exit 1
