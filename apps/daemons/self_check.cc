#include "apps/daemons/self_check.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

namespace phantasm::daemons {
namespace {

std::optional<std::string> read_sysctl(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  if (!(in >> value)) return std::nullopt;
  return value;
}

void check_forwarding(const std::string& name, const std::string& path) {
  auto value = read_sysctl(path);
  if (value && *value == "0") {
    spdlog::warn("{} is 0: the kernel will not forward between the TUN device and the network; "
                 "run 'sysctl -w {}=1'",
                 name, name);
  }
}

// The ruleset as `nft list ruleset` prints it, or nothing when nft is not there or says nothing.
std::optional<std::string> nft_ruleset() {
  struct PipeCloser {
    void operator()(FILE* f) const { pclose(f); }
  };
  std::unique_ptr<FILE, PipeCloser> pipe(popen("nft list ruleset 2>/dev/null", "r"));
  if (!pipe) return std::nullopt;
  std::string text;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, pipe.get())) > 0) text.append(chunk, n);
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

void run_self_check(const SelfCheckInputs& in) {
  const DaemonOptions& o = *in.options;
  check_forwarding("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward");
  if (in.ipv6_in_use) {
    check_forwarding("net.ipv6.conf.all.forwarding", "/proc/sys/net/ipv6/conf/all/forwarding");
  }
  // The NAT rule (phantun-wire.md §3.6). Best effort: only nftables' view is visible to us.
  auto rules = nft_ruleset();
  if (!rules) {
    spdlog::debug("self-check: no nftables ruleset visible; NAT rules not checked");
    return;
  }
  if (o.role == Role::kClient) {
    if (rules->find("masquerade") == std::string::npos && rules->find("snat") == std::string::npos) {
      spdlog::warn("no masquerade/snat rule in the nftables ruleset: packets from {} will leave "
                   "unNATed; e.g. nft add rule ip nat postrouting iifname {} oif <uplink> "
                   "masquerade",
                   o.tun_peer4.to_string(), in.tun_name);
    }
  } else if (rules->find("dnat") == std::string::npos) {
    spdlog::warn("no dnat rule in the nftables ruleset: SYNs must be DNATed to {}{}; e.g. nft add "
                 "rule ip nat prerouting iif <uplink> tcp dport {} dnat ip to {}",
                 o.tun_peer4.to_string(), in.ipv6_in_use ? " / " + o.tun_peer6.to_string() : "",
                 o.server_ports.empty() ? 0 : o.server_ports.front(), o.tun_peer4.to_string());
  }
}

}  // namespace phantasm::daemons
