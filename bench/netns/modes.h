// The modes one bench run compares, and how each is set up: direct UDP, the null relay
// (Phantasm's I/O path with --null-engine), Phantasm, udp2raw and Phantun. The iperf3 client
// always dials the server's real address, so its TCP control connection goes direct; for the
// tunnel modes an nftables DNAT in the client namespace turns its UDP data towards the tunnel's
// local entry (as the Phantun benchmark did), and the tunnel's server hands it to iperf3 -s on
// 127.0.0.1.
#pragma once

#include <string>
#include <vector>

#include "bench/netns/bench_options.h"

namespace phantasm::bench {

inline constexpr int kIperfPort = 5201;
inline constexpr int kTunnelPort = 4567;
inline constexpr const char* kTunnelEntry = "127.0.0.1:1234";
inline constexpr const char* kTunName = "bt";

struct RuleSpec {
  std::string role;  // "client", "router", "server"
  std::string table;  // nft table name (family ip)
  std::string script;
};

struct ModeSpec {
  std::string name;   // "direct", "null-relay", "phantasm", "udp2raw", "phantun"
  std::string label;  // what charts and tables call it
  std::vector<std::string> client;  // empty for direct
  std::vector<std::string> server;
  std::vector<std::string> env;
  std::vector<RuleSpec> rules;
  std::string client_ready;  // a log line that says the daemon is up; empty: wait a fixed time
  std::string server_ready;
  bool has_tun = false;  // TUN counters to read (device kTunName in client and server ns)
};

// `argv` run under `nice -n NICE` (unchanged for 0); nice execs it, so the PID stays the program's.
std::vector<std::string> with_nice(int nice, std::vector<std::string> argv);

// Every mode known, in report order.
const std::vector<std::string>& all_mode_names();
// The spec of `name` with the binaries in `o`; throws when its binaries were not given.
ModeSpec mode_spec(const std::string& name, const BenchOptions& o);
// Whether `o` names the binaries `name` needs.
bool mode_available(const std::string& name, const BenchOptions& o);

}  // namespace phantasm::bench
