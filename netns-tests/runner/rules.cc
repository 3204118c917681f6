#include "netns-tests/runner/rules.h"

#include <regex>
#include <sstream>

#include "netns-tests/runner/process.h"

namespace phantasm::netns {
namespace {

std::string seconds(scenario::Millis ms) { return std::to_string(std::max<int64_t>(1, (ms.count() + 999) / 1000)); }

void sysctl(const Node& n, const std::string& key, const std::string& value) {
  must_run_in(n.ns, {"sysctl", "-qw", key + "=" + value});
}

void apply_conntrack(const Node& n, const scenario::ConntrackSettings& c) {
  const std::string p = "net.netfilter.nf_conntrack_tcp_";
  if (c.be_liberal) sysctl(n, p + "be_liberal", *c.be_liberal ? "1" : "0");
  if (c.loose) sysctl(n, p + "loose", *c.loose ? "1" : "0");
  if (c.ignore_invalid_rst) sysctl(n, p + "ignore_invalid_rst", *c.ignore_invalid_rst ? "1" : "0");
  if (c.max_retrans) sysctl(n, p + "max_retrans", std::to_string(*c.max_retrans));
  if (c.timeout_established) sysctl(n, p + "timeout_established", seconds(*c.timeout_established));
  if (c.timeout_unacknowledged) sysctl(n, p + "timeout_unacknowledged", seconds(*c.timeout_unacknowledged));
  if (c.timeout_max_retrans) sysctl(n, p + "timeout_max_retrans", seconds(*c.timeout_max_retrans));
  if (c.timeout_syn_sent) sysctl(n, p + "timeout_syn_sent", seconds(*c.timeout_syn_sent));
  if (c.timeout_close) sysctl(n, p + "timeout_close", seconds(*c.timeout_close));
}

std::string nft_option_name(uint8_t kind) {
  switch (kind) {
    case 2: return "maxseg";
    case 3: return "window";
    case 4: return "sack-perm";
    case 5: return "sack";
    case 8: return "timestamp";
  }
  return {};
}

void both_iptables(const Node& n, const std::vector<std::string>& rule) {
  for (const char* tool : {"iptables", "ip6tables"}) {
    std::vector<std::string> argv = {tool};
    argv.insert(argv.end(), rule.begin(), rule.end());
    must_run_in(n.ns, argv);
  }
}

}  // namespace

void apply_check_table(const Node& node) {
  must_run_in(node.ns, {"nft", "-f", "-"}, R"(table inet phx_check {
  counter invalid { }
  counter leaked { }
  chain pre { type filter hook prerouting priority -150; ct state invalid counter name "invalid"; }
  chain out { type filter hook output priority -150; ct state invalid counter name "invalid"; }
  chain post {
    type filter hook postrouting priority 300;
    oifname { "lan", "wan" } ip saddr { 192.168.200.0/24, 192.168.201.0/24 } counter name "leaked"
    oifname { "lan", "wan" } ip6 saddr { fcc8::/16, fcc9::/16 } counter name "leaked"
  }
}
)");
}

void apply_firewall(const Node& node, const scenario::Firewall& fw) {
  apply_conntrack(node, fw.conntrack);
  std::ostringstream rules;
  rules << "table inet phx_fw {\n  chain filter_forward {\n    type filter hook forward priority 0; policy accept;\n";
  if (fw.drop_invalid) rules << "    ct state invalid counter drop\n";
  if (fw.profile != scenario::FirewallProfile::kOpen) {
    rules << "    meta l4proto tcp ct state new tcp flags & (fin|syn|rst|ack) != syn counter drop\n";
  }
  if (fw.max_connections) {
    rules << "    meta l4proto tcp ct state new ct count over " << *fw.max_connections << " counter drop\n";
  }
  rules << "  }\n}\n";
  must_run_in(node.ns, {"nft", "-f", "-"}, rules.str());
}

void apply_nat(const Node& node, const scenario::Nat& nat, const std::optional<scenario::PortRange>& ports,
               const std::string& wan_v4, const std::string& wan_v6) {
  run_in(node.ns, {"nft", "delete", "table", "inet", "phx_nat"});
  std::string range;
  if (ports) range = ":" + std::to_string(ports->first) + "-" + std::to_string(ports->last);
  std::ostringstream rules;
  rules << "table inet phx_nat {\n  chain post {\n    type nat hook postrouting priority 100;\n";
  if (nat.kind == scenario::NatKind::kMasquerade) {
    // A port range needs a transport match; other protocols are masqueraded without one.
    if (!range.empty()) rules << "    oifname \"wan\" meta l4proto { tcp, udp } masquerade to " << range << "\n";
    rules << "    oifname \"wan\" masquerade\n";
  } else {
    const std::string l4 = range.empty() ? "" : " meta l4proto { tcp, udp }";
    rules << "    oifname \"wan\" meta nfproto ipv4" << l4 << " snat ip to " << wan_v4 << range << "\n";
    rules << "    oifname \"wan\" meta nfproto ipv6" << l4 << " snat ip6 to [" << wan_v6 << "]" << range << "\n";
  }
  rules << "  }\n}\n";
  must_run_in(node.ns, {"nft", "-f", "-"}, rules.str());
}

void apply_box(const Topology& topo, size_t i, const scenario::Middlebox& box, std::optional<uint16_t> relay_queue) {
  const Node& node = topo.box(i);
  if (relay_queue) {
    // Raw table, before conntrack: the relay's rewrites are what conntrack and NAT then see.
    both_iptables(node, {"-t", "raw", "-A", "PREROUTING", "-p", "tcp", "-j", "NFQUEUE", "--queue-num",
                         std::to_string(*relay_queue)});
  }
  if (relay_queue && !box.firewall && !box.nat) {
    // A box that only hosts models is no firewall: its own conntrack would track the packets
    // half before and half after a rewrite (an ISN rewriter's seq one way, ack the other) or
    // its own injected resets, and count INVALIDs no real box of that kind has.
    must_run_in(node.ns, {"nft", "-f", "-"}, R"(table inet phx_notrack {
  chain pre { type filter hook prerouting priority -300; notrack; }
  chain out { type filter hook output priority -300; notrack; }
}
)");
  }
  if (box.firewall) apply_firewall(node, *box.firewall);
  if (box.nat) apply_nat(node, *box.nat, box.nat->ports, topo.address(i + 1, 1), topo.address(i + 1, 1));
  if (box.strip_options && box.strip_options->via == scenario::Realisation::kKernel) {
    const auto& s = *box.strip_options;
    std::ostringstream rules;
    // Priority -250: after the raw table (-300, the relay), before conntrack (-200), so that
    // conntrack sees the SYN without the option (TCPOPTSTRIP in mangle would be too late).
    rules << "table inet phx_strip {\n  chain raw {\n    type filter hook prerouting priority -250;\n";
    for (uint8_t kind : s.kinds) {
      const std::string name = nft_option_name(kind);
      if (s.all_segments) rules << "    reset tcp option " << name << "\n";
      if (!s.all_segments && s.on.syn) rules << "    tcp flags & (syn|ack) == syn reset tcp option " << name << "\n";
      if (!s.all_segments && s.on.syn_ack) {
        rules << "    tcp flags & (syn|ack) == syn|ack reset tcp option " << name << "\n";
      }
    }
    rules << "  }\n}\n";
    must_run_in(node.ns, {"nft", "-f", "-"}, rules.str());
  }
  if (box.mss_clamp) {
    both_iptables(node, {"-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,RST", "SYN", "-j", "TCPMSS",
                         "--set-mss", std::to_string(box.mss_clamp->mss)});
  }
  if (box.mtu) {
    must_run_in(node.ns, {"ip", "link", "set", "wan", "mtu", std::to_string(*box.mtu)});
    must_run_in(topo.nodes()[i + 2].ns, {"ip", "link", "set", "lan", "mtu", std::to_string(*box.mtu)});
  }
  if (box.drop_icmp) {
    must_run_in(node.ns, {"nft", "-f", "-"}, R"(table inet phx_icmp {
  chain filter_forward { type filter hook forward priority -10; meta l4proto { icmp, ipv6-icmp } counter drop; }
  chain out {
    type filter hook output priority -10;
    icmp type destination-unreachable counter drop
    icmpv6 type packet-too-big counter drop
  }
}
)");
  }
  if (box.linux_override) apply_linux_override(node, *box.linux_override);
}

void apply_linux_override(const Node& node, const scenario::LinuxOverride& o) {
  for (const std::string& s : o.sysctls) must_run_in(node.ns, {"sysctl", "-qw", s});
  if (!o.nft.empty()) must_run_in(node.ns, {"nft", "-f", "-"}, o.nft);
  for (const std::string& c : o.commands) must_run_in(node.ns, {"sh", "-c", c});
}

void flush_conntrack(const Node& node) {
  run_in(node.ns, {"conntrack", "-F", "-f", "ipv4"});
  run_in(node.ns, {"conntrack", "-F", "-f", "ipv6"});
}

uint64_t nft_counter(const Node& node, const std::string& name) {
  const CommandResult r = run_in(node.ns, {"nft", "list", "counter", "inet", "phx_check", name});
  std::smatch m;
  static const std::regex packets("packets ([0-9]+)");
  if (std::regex_search(r.output, m, packets)) return std::stoull(m[1]);
  return 0;
}

uint64_t conntrack_stat_invalid(const Node& node) {
  const CommandResult r = run_in(node.ns, {"conntrack", "-S"});
  uint64_t sum = 0;
  static const std::regex invalid("invalid=([0-9]+)");
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), invalid); it != std::sregex_iterator(); ++it) {
    sum += std::stoull((*it)[1]);
  }
  return sum;
}

bool conntrack_assured(const Node& node, uint16_t port, bool ipv6) {
  const CommandResult r = run_in(node.ns, {"conntrack", "-L", "-p", "tcp", "-f", ipv6 ? "ipv6" : "ipv4"});
  std::istringstream lines(r.output);
  std::string line;
  const std::string dport = "dport=" + std::to_string(port) + " ";
  while (std::getline(lines, line)) {
    if (line.find("ESTABLISHED") != std::string::npos && line.find("[ASSURED]") != std::string::npos &&
        line.find(dport) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace phantasm::netns
