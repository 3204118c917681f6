# Shared by the netns tests and benchmarks: the Phantun README topology in three namespaces
# with a unique per-run prefix, process helpers that stop only what they started (by PID), and a
# cleanup trap that removes everything on success and on failure.
#
#   client ns (NS_C)                  router ns (NS_R)                  server ns (NS_S)
#   c0 10.90.1.2 fd90:1::2  ------  r0 10.90.1.1 | r1 10.90.2.1  ------  s0 10.90.2.2 fd90:2::2
#   masquerade pc* -> c0            forwarding, masquerade out r1       dnat tcp 4567 -> 192.168.201.2
#                                                                          and fcc9::2
# Every namespace also counts conntrack INVALID in table inet phx_check.
#
# The sourcing script sets nothing beforehand; it may set PHX_KEEP=1 to keep $WORK. Required
# tools are checked (exit 77 with the reason when missing or not root).
# shellcheck shell=bash
skip() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, nftables); run as root or via sudo"
for tool in ip nft conntrack tcpdump python3 setpriv unshare; do
  command -v "$tool" >/dev/null || skip "'$tool' is not installed (scripts/install-deps.sh)"
done

P="phx-$$-"
NS_C="${P}c" NS_R="${P}r" NS_S="${P}s"
WORK=$(mktemp -d /tmp/phx-netns.XXXXXX)
chmod 755 "$WORK"
PIDS=()
FAILURES=0

log() { echo "[$(date +%H:%M:%S)] $*"; }
fail() { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
pass() { echo "ok:   $*"; }
in_c() { ip netns exec "$NS_C" "$@"; }
in_r() { ip netns exec "$NS_R" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  for ns in "$NS_C" "$NS_R" "$NS_S"; do ip netns del "$ns" 2>/dev/null; done
  if [[ $FAILURES -eq 0 && -z ${PHX_KEEP:-} ]]; then rm -rf "$WORK"; else echo "logs kept in $WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start NAME NS CMD...: runs CMD in NS in the background, logging to $WORK/NAME.log; sets $PID.
start() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >"$WORK/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
}

# stop PID: SIGTERM, wait, and return the exit status.
stop() {
  local pid=$1 rc
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  PIDS=("${PIDS[@]/$pid/}")
  return $rc
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [[ $SECONDS -ge $deadline ]] && return 1
    sleep 0.1
  done
}

# ---- topology ----------------------------------------------------------------------------------
setup_topology() {
  local ns
  for ns in "$NS_C" "$NS_R" "$NS_S"; do
    ip netns add "$ns" || return 1
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  done
  ip link add c0 netns "$NS_C" type veth peer name r0 netns "$NS_R"
  ip link add s0 netns "$NS_S" type veth peer name r1 netns "$NS_R"
  ip -n "$NS_C" addr add 10.90.1.2/24 dev c0
  ip -n "$NS_C" addr add fd90:1::2/64 dev c0 nodad
  ip -n "$NS_R" addr add 10.90.1.1/24 dev r0
  ip -n "$NS_R" addr add fd90:1::1/64 dev r0 nodad
  ip -n "$NS_R" addr add 10.90.2.1/24 dev r1
  ip -n "$NS_R" addr add fd90:2::1/64 dev r1 nodad
  ip -n "$NS_S" addr add 10.90.2.2/24 dev s0
  ip -n "$NS_S" addr add fd90:2::2/64 dev s0 nodad
  for dev in "$NS_C c0" "$NS_R r0" "$NS_R r1" "$NS_S s0"; do
    set -- $dev
    ip -n "$1" link set "$2" up
  done
  ip -n "$NS_C" route add default via 10.90.1.1
  ip -n "$NS_C" -6 route add default via fd90:1::1
  ip -n "$NS_S" route add default via 10.90.2.1
  ip -n "$NS_S" -6 route add default via fd90:2::1

  # Every namespace counts what its conntrack finds INVALID (invalid packets skip NAT and would
  # leak the TUN addresses, so this must stay 0).
  for ns in "$NS_C" "$NS_R" "$NS_S"; do
    ip netns exec "$ns" nft -f - <<'NFT' || return 1
table inet phx_check {
  chain pre { type filter hook prerouting priority -150; ct state invalid counter; }
  chain out { type filter hook output priority -150; ct state invalid counter; }
}
NFT
  done
  # The README's rules: the client masquerades the TUN peer out of its uplink, the router is a
  # NAT, the server DNATs the fake-TCP port to its TUN peer.
  in_c nft -f - <<'NFT' || return 1
table inet phx_nat {
  chain post { type nat hook postrouting priority 100; iifname "pc*" oifname "c0" masquerade; }
}
NFT
  in_r nft -f - <<'NFT' || return 1
table inet phx_nat {
  chain post { type nat hook postrouting priority 100; oifname "r1" masquerade; }
}
NFT
  in_s nft -f - <<'NFT' || return 1
table inet phx_nat {
  chain pre {
    type nat hook prerouting priority -100;
    iifname "s0" tcp dport 4567 dnat ip to 192.168.201.2
    iifname "s0" tcp dport 4567 dnat ip6 to fcc9::2
  }
}
NFT
}

