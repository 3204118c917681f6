// How each tunnel under test is started: Phantasm (the default), or a foreign tunnel by binary
// path for the traversal matrix: Phantun (the same command line, it is a drop-in) and udp2raw
// (raw sockets, no TUN, so no end-host NAT rules). The client listens on UDP 127.0.0.1:1234
// and the server forwards to 127.0.0.1:7777 (the echoing sink); the fake TCP uses port 4567.
#pragma once

#include <string>
#include <vector>

namespace phantasm::netns {

enum class TunnelKind { kPhantasm, kPhantun, kUdp2raw };

struct TunnelSpec {
  TunnelKind kind = TunnelKind::kPhantasm;
  std::string name;  // "phantasm", "phantun", "udp2raw"
  std::string client_binary;
  std::string server_binary;  // udp2raw: the same binary
  unsigned threads = 0;       // Phantasm: --threads for both daemons (0: their default)
  // Phantasm: more options for the client and the server daemon (e.g. --compat phantun, to
  // measure how a Phantun-kind peer fares in the same scenario).
  std::vector<std::string> client_args;
  std::vector<std::string> server_args;
};

inline constexpr uint16_t kTunnelPort = 4567;
inline constexpr const char* kClientEntry = "127.0.0.1:1234";
inline constexpr const char* kSinkAddress = "127.0.0.1:7777";
inline constexpr uint16_t kClientEntryPort = 1234;
inline constexpr uint16_t kSinkPort = 7777;

struct TunnelCommands {
  std::vector<std::string> client;
  std::vector<std::string> server;
  std::vector<std::string> env;
  // nft scripts for the end hosts (the README's MASQUERADE and DNAT for TUN tunnels).
  std::string client_nft;
  std::string server_nft;
  // What the daemon logs once it is ready (empty: wait a fixed second instead).
  std::string client_ready;
  std::string server_ready;
};

TunnelCommands tunnel_commands(const TunnelSpec& t, const std::string& server_address, bool ipv6);

}  // namespace phantasm::netns
