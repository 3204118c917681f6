// --auto-rules: the host setup Phantun's users most often get wrong (phantun-wire.md §3.6),
// done by the daemon. It turns forwarding on (net.ipv4.ip_forward, and IPv6 forwarding when the
// TUN has IPv6; left on at exit, other things may rely on it) and adds one nftables table of its
// own, `table inet phantasm_<tun>`:
//   client: postrouting `iifname <tun> masquerade` (the TUN peer's packets leave NATed)
//   server: prerouting DNAT of the --local port(s), addressed to this host and not arriving from
//           the TUN, to --tun-peer (and --tun-peer6)
//   both:   forward accept for the TUN, in and out
// The table is replaced atomically at start (a leftover of a daemon that was killed is deleted,
// with a log line) and deleted at exit; nothing outside it is touched. nft runs as `nft -f -`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/endpoint/config.h"
#include "engine/wire/ip_address.h"
#include "harness/linux/run_command.h"

namespace phantasm::daemons {

struct AutoRulesSpec {
  Role role = Role::kClient;
  std::string tun;
  bool ipv6 = false;  // the TUN has IPv6 addresses
  IpAddress peer4;
  IpAddress peer6;
  std::vector<uint16_t> ports;  // server: the fake-TCP ports
};

// "phantasm_<tun>", characters nft does not take in a name replaced by '_'.
std::string auto_rules_table(std::string_view tun);
// The table's definition, as `nft -f` reads it.
std::string auto_rules_ruleset(const AutoRulesSpec& spec);

// Runs nft with `args`, `input` on its stdin.
linux_host::CommandResult run_nft(const std::vector<std::string>& args, std::string_view input = {});

class AutoRules {
 public:
  // Sets the sysctls and installs the table; throws linux_host::SetupError on failure.
  explicit AutoRules(AutoRulesSpec spec);
  ~AutoRules();
  AutoRules(const AutoRules&) = delete;
  AutoRules& operator=(const AutoRules&) = delete;

  // Deletes the table (once; the destructor calls it too).
  void remove();
  const std::string& table() const { return table_; }

 private:
  AutoRulesSpec spec_;
  std::string table_;
  bool installed_ = false;
};

}  // namespace phantasm::daemons
