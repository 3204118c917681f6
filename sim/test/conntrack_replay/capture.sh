#!/usr/bin/env bash
# Captures a real Phantasm conversation for the conntrack-model replay (README.md beside this
# file): the client daemon behind its MASQUERADE, the server behind its DNAT, one veth between
# them, tcpdump on the client's uplink (headers only: the replay pads payloads back). The run
# has echoed traffic, a server restart (its RSTs, the client's reconnection) and a client
# restart (new ports), so the capture holds handshakes, data, pure ACKs, keepalives and resets.
#
#   capture.sh FAMILY OUT.pcap PHANTASM-CLIENT PHANTASM-SERVER PHANTASM
#     FAMILY  ipv4 | ipv6
# Needs root; exits 77 (skip) otherwise. Namespaces are phxct<pid>-{c,s}, removed on exit.
set -euo pipefail
[[ $# -eq 5 ]] || { sed -n '2,12p' "$0"; exit 2; }
FAMILY=$1 OUT=$2 CLIENT_BIN=$3 SERVER_BIN=$4 PHANTASM=$5
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root (network namespaces)"; exit 77; }

P="phxct$$-"
NS_C="${P}c" NS_S="${P}s"
WORK=$(mktemp -d /tmp/phx-ctcap.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$NS_C" 2>/dev/null || true
  ip netns del "$NS_S" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start NAME NS CMD...: background process in NS, log in $WORK; sets PID.
start() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >"$WORK/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
wait_log() {  # FILE TEXT: up to 10 s
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; return 1
}

if [[ $FAMILY == ipv6 ]]; then
  C_ADDR=fd77::1 S_ADDR=fd77::2 PREFIX=64 REMOTE="[fd77::2]:4567"
else
  C_ADDR=10.77.0.1 S_ADDR=10.77.0.2 PREFIX=24 REMOTE="10.77.0.2:4567"
fi

ip netns add "$NS_C"
ip netns add "$NS_S"
for ns in "$NS_C" "$NS_S"; do
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
done
ip link add wan netns "$NS_C" type veth peer name lan netns "$NS_S"
ip -n "$NS_C" addr add "$C_ADDR/$PREFIX" dev wan nodad
ip -n "$NS_S" addr add "$S_ADDR/$PREFIX" dev lan nodad
ip -n "$NS_C" link set wan up
ip -n "$NS_S" link set lan up

# The README's end-host rules: client MASQUERADE, server DNAT to its TUN peer.
ip netns exec "$NS_C" nft -f - <<'NFT'
table inet phx_tun {
  chain post { type nat hook postrouting priority 100; iifname "pt" oifname "wan" masquerade; }
}
NFT
ip netns exec "$NS_S" nft -f - <<'NFT'
table inet phx_tun {
  chain pre {
    type nat hook prerouting priority -100;
    iifname "lan" tcp dport 4567 dnat ip to 192.168.201.2
    iifname "lan" tcp dport 4567 dnat ip6 to fcc9::2
  }
}
NFT

start tcpdump "$NS_C" tcpdump -i wan -s 100 -U -w "$WORK/capture.pcap" tcp
sleep 1
start sink "$NS_S" "$PHANTASM" udpgen sink --listen 127.0.0.1:7777 --echo --quiet
start_server() { start server "$NS_S" "$SERVER_BIN" --local 4567 --remote 127.0.0.1:7777 --tun pt; SERVER=$PID; }
start_client() { start client "$NS_C" "$CLIENT_BIN" --local 127.0.0.1:1234 --remote "$REMOTE" --tun pt; CLIENT=$PID; }
start_server
wait_log "$WORK/server.log" "Listening on 4567"
start_client
wait_log "$WORK/client.log" "Listening on UDP"

# 12 s of echoed traffic from 3 flows (mixed sizes); the server restarts at 4 s (its RSTs
# answer the client's segments until the client reconnects) and the client at 8 s.
start traffic "$NS_C" "$PHANTASM" udpgen send --target 127.0.0.1:1234 --bind 127.0.0.1:20000 --flows 3 \
  --rate 60pps --size 64-1400 --duration 12s --echo --warmup 1s --quiet
TRAFFIC=$PID
sleep 5
stop "$SERVER"
sleep 1
start_server
sleep 3
stop "$CLIENT"
sleep 0.5
start_client
wait "$TRAFFIC" || true
sleep 1
stop "$PIDS"  # tcpdump was started first
cp "$WORK/capture.pcap" "$OUT"
echo "capture: $(tcpdump -r "$OUT" -nn 2>/dev/null | wc -l) packets in $OUT"
