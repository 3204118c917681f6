// The daemons' command line: Phantun's options with Phantun's names and defaults
// (phantun-wire.md §3.1-§3.2), plus --mtu, --threads and --stats-interval.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/endpoint/config.h"
#include "engine/wire/ip_address.h"

namespace phantasm::daemons {

struct DaemonOptions {
  Role role = Role::kClient;
  std::string program;  // for messages

  // Client: UDP address to listen on. Server: fake-TCP ports.
  std::optional<SocketAddress> client_local;
  std::vector<uint16_t> server_ports;
  std::string remote_text;  // HOST:PORT, resolved at start

  std::string tun_name;
  IpAddress tun_local4;
  IpAddress tun_peer4;
  IpAddress tun_local6;
  IpAddress tun_peer6;
  bool ipv4_only = false;
  std::optional<std::string> handshake_packet_path;

  uint32_t mtu = 1500;
  unsigned threads = 0;  // 0: one worker per CPU the process may run on
  std::chrono::seconds stats_interval{60};
  // Liveness and peer kinds (engine/endpoint/config.h has the reasoning behind the defaults).
  Compat compat = Compat::kAuto;
  std::chrono::seconds keepalive_interval{10};
  std::chrono::seconds dead_after{30};
  std::chrono::seconds phantun_dead_after{60};  // 0: never judge a Phantun peer's path dead
  bool rst_unknown = true;  // --no-rst-unknown: segments for unknown tuples get no RST+ACK
  std::chrono::seconds resolve_interval{60};  // client: re-resolve a --remote name; 0: never

  // Operator experience (issue 7). control_path: the status socket; empty: the default
  // /run/phantasm/<program>-<tun>.sock (chosen once the TUN has its name); "none": no socket.
  std::string control_path;
  bool auto_rules = false;  // --auto-rules: forwarding sysctls and table inet phantasm_<tun>
  bool pin_route = false;   // client --pin-route: a host route to --remote outside tunnels

  bool null_engine = false;  // hidden: the engine replaced by a header prepend (benchmarks only)
};

// Either options to run with, or an exit status (help/version printed: 0; bad option: 2, with
// a one-line message on stderr).
using ParseResult = std::variant<DaemonOptions, int>;

ParseResult parse_client_options(int argc, char** argv);
ParseResult parse_server_options(int argc, char** argv);

}  // namespace phantasm::daemons
