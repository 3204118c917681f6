#!/usr/bin/env bash
# `phantasm status` and --auto-rules against running daemons, in a client namespace and a server
# namespace joined by one veth, with forwarding off and no nftables rules of our own: the
# daemons' --auto-rules must be all the host setup the tunnel needs (issue 7).
#
#   client ns (phx7<pid>-c)                          server ns (phx7<pid>-s)
#   udpgen send -> 127.0.0.1:1234                    udpgen sink --echo 127.0.0.1:7777
#   phantasm-client --auto-rules   c0 10.97.0.1 ---- s0 10.97.0.2   phantasm-server --auto-rules
#                                     fd97::1         fd97::2
#
# Checks: forwarding on and table inet phantasm_<tun> in each namespace while the daemons run,
# the startup self-check quiet; datagrams echoed end to end, lossless, over IPv4 and (a second
# client) IPv6; `phantasm status` (table and --json) on each daemon shows the flow with
# datagrams both ways and peer kind phantasm;
# SIGTERM removes the table and the control socket, and `phantasm status` then exits 1; a
# second daemon on a live --control socket exits 1 with a clear error (on a live default one it
# logs the error and runs without a socket); without --socket, `phantasm status` finds the only
# socket in /run/phantasm (when no other daemon has one there); after SIGKILL the table and
# a stale socket stay, a restart replaces both (a log line says so) and there is one table.
#
#   status_auto_rules.sh CLIENT_BIN SERVER_BIN PHANTASM_BIN
# Exit 0: pass; 1: fail; 77: skipped (not root, or a tool is missing), with the reason.
set -uo pipefail

skip() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, nftables); run as root or via sudo"
for tool in ip nft python3; do
  command -v "$tool" >/dev/null || skip "'$tool' is not installed (scripts/install-deps.sh)"
done
CLIENT_BIN=$(readlink -f "${1:?client binary}")
SERVER_BIN=$(readlink -f "${2:?server binary}")
PHANTASM=$(readlink -f "${3:?phantasm binary}")

P="phx7$$-"
NS_C="${P}c" NS_S="${P}s"
TUN_C="phx7c$$" TUN_S="phx7s$$"  # at most 15 characters
TABLE_C="phantasm_$TUN_C" TABLE_S="phantasm_$TUN_S"
WORK=$(mktemp -d /tmp/phx7-status.XXXXXX)
SOCK_C="/run/phantasm/phantasm-client-$TUN_C.sock"  # the client uses the default path
SOCK_S="$WORK/server.sock"
PIDS=()
FAILURES=0

log() { echo "[$(date +%H:%M:%S)] $*"; }
fail() { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
pass() { echo "ok:   $*"; }
check() {  # check DESCRIPTION CMD...: pass or fail on CMD's status
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do [[ -n $pid ]] && wait "$pid" 2>/dev/null; done
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  rm -f "$SOCK_C"
  if [[ $FAILURES -eq 0 && -z ${PHX_KEEP:-} ]]; then rm -rf "$WORK"; else echo "logs kept in $WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start NAME NS CMD...: CMD in NS in the background, logging to $WORK/NAME.log; sets $PID.
start() {
  local name=$1 ns=$2
  shift 2
  PHANTASM_LOG=info ip netns exec "$ns" "$@" >"$WORK/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
}
forget() {
  local pid kept=()
  for pid in "${PIDS[@]}"; do [[ $pid != "$1" ]] && kept+=("$pid"); done
  PIDS=("${kept[@]}")
}
stop() {  # stop PID [SIGNAL]: signal, wait, return the exit status
  local pid=$1 rc
  kill "-${2:-TERM}" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
  forget "$pid"
  return $rc
}
wait_for() {  # wait_for SECONDS CMD...: polls CMD every 0.1 s
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [[ $SECONDS -ge $deadline ]] && return 1
    sleep 0.1
  done
}
table_in() { ip netns exec "$1" nft list table inet "$2"; }
tables_named() { local t; t=$(ip netns exec "$1" nft list tables); grep -cx "table inet $2" <<<"$t"; }
sysctl_in() { ip netns exec "$1" cat "/proc/sys/$2"; }

# ---- two namespaces, nothing else ----------------------------------------------------------
log "namespaces ${P}{c,s}; logs in $WORK"
ip netns add "$NS_C" && ip netns add "$NS_S" || { fail "creating namespaces"; exit 1; }
ip link add c0 netns "$NS_C" type veth peer name s0 netns "$NS_S"
ip -n "$NS_C" addr add 10.97.0.1/24 dev c0
ip -n "$NS_S" addr add 10.97.0.2/24 dev s0
ip -n "$NS_C" addr add fd97::1/64 dev c0 nodad
ip -n "$NS_S" addr add fd97::2/64 dev s0 nodad
for ns in "$NS_C" "$NS_S"; do ip -n "$ns" link set lo up; done
ip -n "$NS_C" link set c0 up
ip -n "$NS_S" link set s0 up
[[ $(sysctl_in "$NS_C" net/ipv4/ip_forward) == 0 && $(sysctl_in "$NS_S" net/ipv4/ip_forward) == 0 ]] &&
  pass "fresh namespaces: forwarding off, no nftables rules" || fail "namespaces not fresh"

start echo "$NS_S" "$PHANTASM" udpgen sink --listen 127.0.0.1:7777 --echo -q
echo_pid=$PID
SERVER_CMD=("$SERVER_BIN" -l 4567 -r 127.0.0.1:7777 --tun "$TUN_S" --threads 1 --auto-rules
            --control "$SOCK_S")
start server "$NS_S" "${SERVER_CMD[@]}"
server_pid=$PID
wait_for 10 grep -q "Listening on 4567" "$WORK/server.log" ||
  { fail "server did not start: $(tail -3 "$WORK/server.log")"; exit 1; }
start client "$NS_C" "$CLIENT_BIN" -l 127.0.0.1:1234 -r 10.97.0.2:4567 --tun "$TUN_C" --threads 1 \
  --auto-rules
client_pid=$PID
wait_for 10 grep -q "Listening on UDP" "$WORK/client.log" ||
  { fail "client did not start: $(tail -3 "$WORK/client.log")"; exit 1; }

# ---- the rules while running ----------------------------------------------------------------
check "server: table inet $TABLE_S present" table_in "$NS_S" "$TABLE_S"
check "client: table inet $TABLE_C present" table_in "$NS_C" "$TABLE_C"
# (Captured first: grep -q would end the pipe early and pipefail count nft's SIGPIPE.)
rules_s=$(table_in "$NS_S" "$TABLE_S")
rules_c=$(table_in "$NS_C" "$TABLE_C")
grep -q 'tcp dport 4567 dnat ip to 192.168.201.2' <<<"$rules_s" &&
  grep -q 'tcp dport 4567 dnat ip6 to fcc9::2' <<<"$rules_s" &&
  pass "server: DNAT of tcp 4567 to 192.168.201.2 and fcc9::2" || fail "server: no DNAT rule: $rules_s"
grep -q "iifname \"$TUN_C\" masquerade" <<<"$rules_c" &&
  pass "client: masquerade of $TUN_C" || fail "client: no masquerade rule: $rules_c"
[[ $(sysctl_in "$NS_S" net/ipv4/ip_forward) == 1 && $(sysctl_in "$NS_S" net/ipv6/conf/all/forwarding) == 1 &&
   $(sysctl_in "$NS_C" net/ipv4/ip_forward) == 1 ]] &&
  pass "forwarding on (server IPv4 + IPv6, client IPv4)" || fail "forwarding not set"
if grep -qE "masquerade/snat rule|no dnat rule|forward is 0|forwarding is 0" "$WORK"/client.log "$WORK"/server.log; then
  fail "self-check still warns: $(grep -hE 'WARN|warn' "$WORK"/client.log "$WORK"/server.log)"
else
  pass "startup self-check sees the rules (no warning)"
fi
grep -h "auto-rules" "$WORK/server.log" "$WORK/client.log" | sed 's/^/      /'

# ---- traffic end to end, with no hand-made rules ------------------------------------------
# Open the flows first (a flow queues only a few datagrams while its handshake runs), then send.
ip netns exec "$NS_C" "$PHANTASM" udpgen send --target 127.0.0.1:1234 --bind 127.0.0.1:40000 \
  --flows 2 --count 1 --rate 100pps --echo --grace 5s -q >"$WORK/prime.txt" 2>&1
sleep 0.5
ip netns exec "$NS_C" "$PHANTASM" udpgen send --target 127.0.0.1:1234 --bind 127.0.0.1:40000 \
  --flows 2 --count 1000 --rate 2kpps --size 64-1200 --echo --grace 3s --expect-lossless -q \
  >"$WORK/send.txt" 2>&1
rc=$?
sed 's/^/      udpgen: /' "$WORK/send.txt"
[[ $rc -eq 0 ]] && pass "2 flows x 1000 datagrams echoed end to end, lossless (--auto-rules only)" ||
  fail "udpgen exit $rc"

# ---- phantasm status against each daemon ----------------------------------------------------
# status_ok NAME SOCKET ROLE: the table, and the JSON's flows carry datagrams both ways from a
# Phantasm peer.
status_ok() {
  local name=$1 sock=$2
  "$PHANTASM" status --socket "$sock" >"$WORK/status-$name.txt" 2>&1 ||
    { fail "$name: phantasm status exit $?: $(cat "$WORK/status-$name.txt")"; return; }
  echo "      ---- phantasm status --socket $sock"
  sed 's/^/      | /' "$WORK/status-$name.txt"
  "$PHANTASM" status --socket "$sock" --json >"$WORK/status-$name.json" 2>&1 ||
    { fail "$name: phantasm status --json exit $?"; return; }
  python3 - "$WORK/status-$name.json" "$3" <<'PY' && pass "$name: status shows the flows: datagrams both ways, peer kind phantasm" ||
import json, sys
d = json.load(open(sys.argv[1])); role = sys.argv[2]
flows = d["flows"]
ok = d["role"] == role and d["schema"] == 1 and len(flows) >= 1
for f in flows:
    print("      %s %s <-> %s peer %s %s: udp->tcp %d, tcp->udp %d" % (role, f["local"], f["remote"],
          f["peer_kind"], f["state"], f["udp_to_tcp"]["datagrams"], f["tcp_to_udp"]["datagrams"]))
    ok = ok and f["peer_kind"] == "phantasm" and f["state"] == "established" \
        and f["udp_to_tcp"]["datagrams"] > 0 and f["tcp_to_udp"]["datagrams"] > 0
    if role == "client":
        ok = ok and f["udp_peer"].startswith("127.0.0.1:4000")
t = d["totals"]
ok = ok and t["udp_to_tcp"]["datagrams"] >= 2000 and t["tcp_to_udp"]["datagrams"] >= 2000
sys.exit(0 if ok else 1)
PY
    fail "$name: status JSON not as expected: $(head -c 600 "$WORK/status-$name.json")"
}
status_ok client "$SOCK_C" client
status_ok server "$SOCK_S" server

# A second daemon on the server's live control socket: refused, and the first keeps its socket.
start server2 "$NS_S" "$SERVER_BIN" -l 4568 -r 127.0.0.1:7777 --tun "phx7t$$" --threads 1 \
  --control "$SOCK_S"
wait "$PID"  # it stops by itself
rc=$?
forget "$PID"
[[ $rc -eq 1 ]] && grep -q "is in use" "$WORK/server2.log" && [[ -S $SOCK_S ]] &&
  pass "a second daemon on a live control socket exits 1: $(grep -o 'control socket .* in use[^(]*' "$WORK/server2.log")" ||
  fail "second daemon on a live socket: exit $rc, $(tail -1 "$WORK/server2.log")"

# IPv6: a second client to the server's IPv6 address; its table masquerades fcc8::2, the
# server's DNATs to fcc9::2, and both namespaces forward IPv6.
TUN_6="phx7d$$"
start client6 "$NS_C" "$CLIENT_BIN" -l 127.0.0.1:1236 -r "[fd97::2]:4567" --tun "$TUN_6" --threads 1 \
  --auto-rules --control "$WORK/client6.sock"
client6_pid=$PID
if wait_for 10 grep -q "Listening on UDP" "$WORK/client6.log"; then
  [[ $(sysctl_in "$NS_C" net/ipv6/conf/all/forwarding) == 1 ]] &&
    pass "IPv6 client: IPv6 forwarding on" || fail "IPv6 client: IPv6 forwarding off"
  ip netns exec "$NS_C" "$PHANTASM" udpgen send --target 127.0.0.1:1236 --bind 127.0.0.1:41000 \
    --flows 1 --count 1 --rate 100pps --echo --grace 5s -q >"$WORK/prime6.txt" 2>&1
  ip netns exec "$NS_C" "$PHANTASM" udpgen send --target 127.0.0.1:1236 --bind 127.0.0.1:41000 \
    --flows 1 --count 500 --rate 1kpps --echo --grace 3s --expect-lossless -q >"$WORK/send6.txt" 2>&1 &&
    pass "IPv6: 500 datagrams echoed end to end, lossless (--auto-rules only)" ||
    fail "IPv6: udpgen: $(tail -2 "$WORK/send6.txt")"
  "$PHANTASM" status --socket "$WORK/client6.sock" --json 2>/dev/null |
    python3 -c 'import json,sys; f=json.load(sys.stdin)["flows"]; sys.exit(0 if f and f[0]["remote"]=="[fd97::2]:4567" and f[0]["peer_kind"]=="phantasm" and f[0]["tcp_to_udp"]["datagrams"]>0 else 1)' &&
    pass "IPv6: phantasm status shows the flow to [fd97::2]:4567" || fail "IPv6: status does not show the flow"
else
  fail "IPv6 client did not start: $(tail -3 "$WORK/client6.log")"
fi
stop "$client6_pid" || fail "IPv6 client exit status $?"
check "IPv6 client: table inet phantasm_$TUN_6 removed" bash -c "! ip netns exec $NS_C nft list table inet phantasm_$TUN_6"

# The default path in use (the same TUN name in another namespace): the daemon says so and runs
# without a socket.
start client2 "$NS_S" "$CLIENT_BIN" -l 127.0.0.1:1235 -r 10.97.0.2:4567 --tun "$TUN_C" --threads 1
client2_pid=$PID
if wait_for 10 grep -q "Listening on UDP" "$WORK/client2.log" &&
   grep -q "running without a control socket" "$WORK/client2.log"; then
  pass "a second daemon on a live default socket runs without one: $(grep -o 'is in use.*' "$WORK/client2.log" | head -1)"
else
  fail "second daemon on the live default socket: $(tail -2 "$WORK/client2.log")"
fi
stop "$client2_pid" || fail "second client exit status $?"
check "the first client's socket survived the second" test -S "$SOCK_C"

# Without --socket: the only socket in /run/phantasm (checked only when no other daemon on this
# host has one there).
others=$(find /run/phantasm -maxdepth 1 -name '*.sock' ! -path "$SOCK_C" 2>/dev/null | wc -l)
if [[ $others -eq 0 ]]; then
  "$PHANTASM" status >"$WORK/status-default.txt" 2>&1 && grep -q "tun $TUN_C" "$WORK/status-default.txt" &&
    pass "phantasm status without --socket finds the client's socket" ||
    fail "phantasm status without --socket: $(head -3 "$WORK/status-default.txt")"
else
  echo "      (phantasm status without --socket not checked: $others other daemon socket(s) in /run/phantasm)"
fi

# ---- SIGTERM: rules and sockets gone ----------------------------------------------------------
stop "$client_pid"; rc=$?
[[ $rc -eq 0 ]] && pass "client exited 0 on SIGTERM" || fail "client exit status $rc"
stop "$server_pid"; rc=$?
[[ $rc -eq 0 ]] && pass "server exited 0 on SIGTERM" || fail "server exit status $rc"
check "client: table inet $TABLE_C removed" bash -c "! ip netns exec $NS_C nft list table inet $TABLE_C"
check "server: table inet $TABLE_S removed" bash -c "! ip netns exec $NS_S nft list table inet $TABLE_S"
check "client: control socket $SOCK_C removed" test ! -e "$SOCK_C"
check "server: control socket $SOCK_S removed" test ! -e "$SOCK_S"
"$PHANTASM" status --socket "$SOCK_S" >"$WORK/status-gone.txt" 2>&1
rc=$?
[[ $rc -eq 1 ]] && pass "phantasm status on a stopped daemon exits 1: $(cat "$WORK/status-gone.txt")" ||
  fail "phantasm status on a stopped daemon: exit $rc"

# ---- SIGKILL, then a restart ------------------------------------------------------------------
start server-killed "$NS_S" "${SERVER_CMD[@]}"
wait_for 10 grep -q "Listening on 4567" "$WORK/server-killed.log" || fail "server (to kill) did not start"
stop "$PID" KILL
check "after SIGKILL: table inet $TABLE_S left behind" table_in "$NS_S" "$TABLE_S"
check "after SIGKILL: control socket left behind" test -S "$SOCK_S"
start server-restarted "$NS_S" "${SERVER_CMD[@]}"
server_pid=$PID
wait_for 10 grep -q "Listening on 4567" "$WORK/server-restarted.log" ||
  fail "restarted server did not start: $(tail -3 "$WORK/server-restarted.log")"
grep -q "already exists" "$WORK/server-restarted.log" &&
  pass "restart: $(grep -o 'table inet .*anew' "$WORK/server-restarted.log")" ||
  fail "restart: no log line about the leftover table"
grep -q "replaced the stale control socket" "$WORK/server-restarted.log" &&
  pass "restart: stale control socket replaced" || fail "restart: no log line about the stale socket"
n=$(tables_named "$NS_S" "$TABLE_S")
[[ $n -eq 1 ]] && pass "restart: exactly one table inet $TABLE_S" || fail "restart: $n tables named $TABLE_S"
"$PHANTASM" status --socket "$SOCK_S" --json >/dev/null 2>&1 &&
  pass "restart: phantasm status answers" || fail "restart: phantasm status does not answer"
stop "$server_pid"; rc=$?
[[ $rc -eq 0 ]] && pass "restarted server exited 0 on SIGTERM" || fail "restarted server exit $rc"
check "restarted server: table removed" bash -c "! ip netns exec $NS_S nft list table inet $TABLE_S"
check "restarted server: control socket removed" test ! -e "$SOCK_S"
stop "$echo_pid"

if [[ $FAILURES -eq 0 ]]; then
  echo "PASS: phantasm status and --auto-rules"
  exit 0
fi
echo "FAIL: $FAILURES check(s) failed"
exit 1
