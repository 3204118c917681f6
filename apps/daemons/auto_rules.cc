#include "apps/daemons/auto_rules.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "harness/linux/run_command.h"
#include "harness/linux/setup_error.h"

namespace phantasm::daemons {
namespace {

using linux_host::SetupError;

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The nft binary: the usual places first (a daemon's PATH may lack the sbin directories).
std::string nft_binary() {
  for (const char* candidate : {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  return "nft";  // looked up in PATH
}

// Writes "1" to a sysctl; returns what it was before.
std::string enable_sysctl(const std::string& name, const std::string& path) {
  std::string before;
  {
    std::ifstream in(path);
    in >> before;
  }
  if (before == "1") return before;
  std::ofstream out(path);
  out << "1\n";
  out.close();
  if (!out) throw SetupError("--auto-rules: cannot set " + name + "=1 (" + path + ")");
  spdlog::info("--auto-rules: set {}=1 (was {}; left on at exit)", name,
               before.empty() ? "unknown" : before);
  return before;
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

}  // namespace

std::string auto_rules_table(std::string_view tun) {
  std::string name = "phantasm_";
  for (char ch : tun) {
    bool ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
    name += ok ? ch : '_';
  }
  return name;
}

std::string auto_rules_ruleset(const AutoRulesSpec& spec) {
  const std::string tun = quoted(spec.tun);
  std::ostringstream out;
  out << "table inet " << auto_rules_table(spec.tun) << " {\n"
      << "  chain forward {\n"
      << "    type filter hook forward priority filter; policy accept;\n"
      // A packet from the TUN that conntrack finds INVALID (a RST for a tuple it already
      // forgot) skips NAT and would leave with the TUN's private address: drop it here.
      << "    iifname " << tun << " ct state invalid counter drop\n"
      << "    iifname " << tun << " accept\n"
      << "    oifname " << tun << " accept\n"
      << "  }\n";
  if (spec.role == Role::kClient) {
    out << "  chain postrouting {\n"
        << "    type nat hook postrouting priority srcnat; policy accept;\n"
        << "    iifname " << tun << " masquerade\n"
        << "  }\n";
  } else {
    std::string ports;
    for (uint16_t p : spec.ports) ports += (ports.empty() ? "" : ", ") + std::to_string(p);
    const std::string match =
        "iifname != " + tun + " fib daddr type local tcp dport { " + ports + " }";
    out << "  chain prerouting {\n"
        << "    type nat hook prerouting priority dstnat; policy accept;\n"
        << "    meta nfproto ipv4 " << match << " dnat ip to " << spec.peer4.to_string() << "\n";
    if (spec.ipv6) {
      out << "    meta nfproto ipv6 " << match << " dnat ip6 to " << spec.peer6.to_string()
          << "\n";
    }
    out << "  }\n";
  }
  out << "}\n";
  return out.str();
}

linux_host::CommandResult run_nft(const std::vector<std::string>& args, std::string_view input) {
  std::vector<std::string> argv{nft_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  linux_host::CommandResult result = linux_host::run_command(argv, input);
  if (result.status == -1) result.output += " (the nftables package provides nft)";
  result.output = trimmed(std::move(result.output));
  return result;
}

AutoRules::AutoRules(AutoRulesSpec spec) : spec_(std::move(spec)), table_(auto_rules_table(spec_.tun)) {
  enable_sysctl("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward");
  if (spec_.ipv6) {
    enable_sysctl("net.ipv6.conf.all.forwarding", "/proc/sys/net/ipv6/conf/all/forwarding");
  }
  if (run_nft({"list", "table", "inet", table_}).status == 0) {
    spdlog::warn("--auto-rules: table inet {} already exists (left by a daemon that did not exit "
                 "cleanly): deleting it and adding it anew",
                 table_);
  }
  // One transaction: create (a no-op when it exists), delete, define. Either all of it or none.
  const std::string ruleset = auto_rules_ruleset(spec_);
  std::string script = "table inet " + table_ + "\ndelete table inet " + table_ + "\n" + ruleset;
  linux_host::CommandResult r = run_nft({"-f", "-"}, script);
  if (r.status != 0) {
    throw SetupError("--auto-rules: nft could not add table inet " + table_ + ": " +
                     (r.output.empty() ? "exit status " + std::to_string(r.status) : r.output));
  }
  installed_ = true;
  std::string summary =
      spec_.role == Role::kClient
          ? "masquerade of " + spec_.tun + "'s traffic"
          : "DNAT of tcp port(s) to " + spec_.peer4.to_string() +
                (spec_.ipv6 ? " / " + spec_.peer6.to_string() : std::string());
  spdlog::info("--auto-rules: added table inet {} ({}; forward accept for {})", table_, summary,
               spec_.tun);
}

AutoRules::~AutoRules() { remove(); }

void AutoRules::remove() {
  if (!installed_) return;
  installed_ = false;
  linux_host::CommandResult r = run_nft({"delete", "table", "inet", table_});
  if (r.status == 0) {
    spdlog::info("--auto-rules: removed table inet {}", table_);
  } else {
    spdlog::warn("--auto-rules: could not remove table inet {}: {}", table_, r.output);
  }
}

}  // namespace phantasm::daemons
