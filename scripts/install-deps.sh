#!/usr/bin/env bash
# Installs everything Phantasm needs to build, test and demo on Debian 12, from Debian's own
# archive. Idempotent and non-interactive. Without root it only reports what is missing.
#
#   scripts/install-deps.sh          install what is missing (root), or list it (non-root)
#   scripts/install-deps.sh --check  list what is missing; exit 1 if anything is
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache g++ clang-14 libclang-rt-14-dev
  # libraries
  libgtest-dev libgmock-dev libbenchmark-dev libboost-dev libcli11-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libyaml-cpp-dev libpcap-dev libnetfilter-queue-dev libns3-dev
  # network namespaces, firewalls, traffic
  iproute2 nftables iptables conntrack ethtool iperf3 tcpdump libcap2-bin python3
  python3-matplotlib  # phantasm report's charts (Debian's /usr/bin/python3)
  help2man            # man pages from --help at build time (skipped when missing)
)

check_only=0
[[ "${1:-}" == "--check" ]] && check_only=1

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [[ $check_only -eq 1 || $(id -u) -ne 0 ]]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: as root run: apt-get install -y ${missing[*]}" >&2
  echo "install-deps: (or run this script as root, which does exactly that)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
