#!/usr/bin/env bash
# The demo: builds Phantasm, then - as root - starts phantasm-client and phantasm-server in
# network namespaces behind NATs (Phantun's README topology: client MASQUERADE, a carrier NAT,
# server DNAT), pushes real UDP through the tunnel over IPv4 and IPv6 and prints what happened:
# datagrams each way, conntrack state on every hop, INVALID counts, the daemons' counters.
# Everything it creates is removed at the end. Without root (namespaces need it) it says so and
# shows the same engines back to back over the in-memory wire instead.
#
#   scripts/demo.sh [--memwire] [options for `phantasm demo`]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

memwire=0
if [[ "${1:-}" == "--memwire" ]]; then
  memwire=1
  shift
fi
if [[ $(id -u) -ne 0 && $memwire -eq 0 ]]; then
  echo "demo: network namespaces need root; showing the engines over the in-memory wire instead"
  echo "demo: (run as root for the real daemons in namespaces)"
  memwire=1
fi

ensure_deps
echo "demo: building (release)"
cmake --preset release >/dev/null
if [[ $memwire -eq 1 ]]; then
  cmake --build --preset release --target phantasm
  exec build/release/apps/phantasm demo "$@"
fi
cmake --build --preset release --target phantasm phantasm-client phantasm-server
echo "demo: client ns -- router ns (NAT) -- server ns; 16 UDP flows x 5000 datagrams, echoed back"
PHX_THREADS=${PHX_THREADS:-2} exec netns-tests/phantun_topology.sh \
  build/release/apps/daemons/phantasm-client build/release/apps/daemons/phantasm-server \
  netns-tests/udp_check.py build/release/apps/phantasm udpgen
