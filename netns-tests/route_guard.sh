#!/usr/bin/env bash
# Routing-loop guard (issue 7, phantun-wire.md §6): in a client namespace whose uplink is one end of a
# veth pair with a default route, a TUN named wg0 takes 0.0.0.0/1 and 128.0.0.0/1 as wg-quick does
# for AllowedIPs=0.0.0.0/0, so the route to the server goes into it.
#   1. phantasm-client warns at start, naming wg0 and the fix (the uplink route to add);
#   2. with --pin-route it adds 203.0.113.7/32 via the uplink's gateway (ip route get then says
#      up0 while it runs) and removes it on SIGTERM;
#   3. without the wg0 routes it says nothing about routing.
#
#   route_guard.sh CLIENT_BIN
# Exit 0: pass; 1: fail; 77: skipped (not root, or a tool is missing), with the reason.
set -uo pipefail

skip() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, TUN devices)"
command -v ip >/dev/null || skip "'ip' is not installed (scripts/install-deps.sh)"
[[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing"
CLIENT_BIN=$(readlink -f "${1:?client binary}")

NS="phx8$$-c"
TUN="phx8c$$"
SERVER=203.0.113.7
WORK=$(mktemp -d /tmp/phx8-route.XXXXXX)
PID=
FAILURES=0
fail() { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
pass() { echo "ok:   $*"; }
cleanup() {
  [[ -n $PID ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  if [[ $FAILURES -eq 0 && -z ${PHX_KEEP:-} ]]; then rm -rf "$WORK"; else echo "logs kept in $WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

in_ns() { ip netns exec "$NS" "$@"; }
set -e
ip netns add "$NS"
in_ns ip link set lo up
in_ns ip link add up0 type veth peer name up0p
in_ns ip link set up0p up
in_ns ip addr add 10.98.0.1/24 dev up0
in_ns ip link set up0 up
in_ns ip route add default via 10.98.0.254 dev up0
in_ns ip tuntap add dev wg0 mode tun
in_ns ip link set wg0 up
in_ns ip route add 0.0.0.0/1 dev wg0
in_ns ip route add 128.0.0.0/1 dev wg0
set +e

# run NAME ARGS...: the client for 1.5 s (a check in the middle: $MIDDLE), then SIGTERM.
run() {
  local name=$1
  shift
  PHANTASM_LOG=info ip netns exec "$NS" "$CLIENT_BIN" -l 127.0.0.1:5000 -r "$SERVER:4567" --tun "$TUN" \
    --control none --threads 1 "$@" >"$WORK/$name.log" 2>&1 &
  PID=$!
  local i
  for i in $(seq 50); do grep -q "Listening on UDP" "$WORK/$name.log" && break; sleep 0.1; done
  ROUTE_WHILE_RUNNING=$(in_ns ip -4 route get "$SERVER" 2>&1)
  kill -TERM "$PID"
  wait "$PID"
  RC=$?
  PID=
}

run warn
grep -q "Routing loop: the route to the remote $SERVER goes through wg0" "$WORK/warn.log" &&
  grep -q "ip route add $SERVER/32 via 10.98.0.254 dev up0" "$WORK/warn.log" &&
  grep -q "Table=off" "$WORK/warn.log" &&
  pass "warns: route to $SERVER through wg0, names the uplink route to add" ||
  fail "no routing-loop warning naming wg0 and the fix ($WORK/warn.log)"
[[ $RC -eq 0 ]] && pass "exit 0 after SIGTERM" || fail "exit status $RC after SIGTERM"
grep -h "Routing loop" "$WORK/warn.log"

run pin --pin-route
grep -q "Routing loop avoided: .*--pin-route added $SERVER/32 via 10.98.0.254 dev up0" "$WORK/pin.log" &&
  pass "--pin-route adds $SERVER/32 via 10.98.0.254 dev up0" || fail "no pin logged ($WORK/pin.log)"
[[ $ROUTE_WHILE_RUNNING == *"dev up0"* ]] && pass "while it runs: $ROUTE_WHILE_RUNNING" ||
  fail "while it runs the route is: $ROUTE_WHILE_RUNNING"
after=$(in_ns ip -4 route get "$SERVER" 2>&1)
[[ $after == *"dev wg0"* ]] && ! in_ns ip -4 route show "$SERVER/32" | grep -q . &&
  grep -q "removed the route $SERVER/32" "$WORK/pin.log" &&
  pass "after SIGTERM the pinned route is gone ($after)" || fail "after SIGTERM: $after"
grep -h "pin-route\|Routing loop" "$WORK/pin.log"

in_ns ip route del 0.0.0.0/1 dev wg0
in_ns ip route del 128.0.0.0/1 dev wg0
run quiet --pin-route
! grep -qi "routing loop\|pin-route" "$WORK/quiet.log" && pass "no tunnel in the way: nothing said" ||
  fail "a warning without a tunnel in the way ($WORK/quiet.log)"

[[ $FAILURES -eq 0 ]] && echo "PASS" || echo "FAILED: $FAILURES check(s)"
[[ $FAILURES -eq 0 ]]
