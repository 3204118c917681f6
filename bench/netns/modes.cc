#include "bench/netns/modes.h"

#include <stdexcept>

#include "bench/netns/bench_topology.h"

namespace phantasm::bench {
namespace {

const std::string kRemote = std::string(kServerAddress) + ":" + std::to_string(kTunnelPort);
const std::string kIperfLocal = "127.0.0.1:" + std::to_string(kIperfPort);

// iperf3's UDP data (never its TCP control connection) goes to the tunnel's entry instead.
RuleSpec iperf_dnat() {
  return {"client", "phx_bench_dnat",
          "table ip phx_bench_dnat {\n"
          "  chain out {\n"
          "    type nat hook output priority -100;\n"
          "    ip daddr " + std::string(kServerAddress) + " udp dport " + std::to_string(kIperfPort) +
              " dnat to " + kTunnelEntry + "\n"
          "  }\n"
          "}\n"};
}

// The README's end-host rules for TUN tunnels: masquerade the client's TUN peer out of its
// uplink, DNAT the fake-TCP port to the server's TUN peer.
std::vector<RuleSpec> tun_rules() {
  return {iperf_dnat(),
          {"client", "phx_bench_tun",
           "table ip phx_bench_tun {\n"
           "  chain post { type nat hook postrouting priority 100; iifname \"" + std::string(kTunName) +
               "\" oifname \"" + kClientUplink + "\" masquerade; }\n"
           "}\n"},
          {"server", "phx_bench_tun",
           "table ip phx_bench_tun {\n"
           "  chain pre { type nat hook prerouting priority -100; iifname \"" + std::string(kServerUplink) +
               "\" tcp dport " + std::to_string(kTunnelPort) + " dnat to 192.168.201.2; }\n"
           "}\n"}};
}

ModeSpec tun_mode(std::string name, std::string label, const std::string& client_bin, const std::string& server_bin,
                  const std::vector<std::string>& extra) {
  ModeSpec m;
  m.name = std::move(name);
  m.label = std::move(label);
  // Phantun's command line, which Phantasm accepts unchanged; -4: the bench is IPv4.
  m.client = {client_bin, "--local", kTunnelEntry, "--remote", kRemote, "--tun", kTunName, "-4"};
  m.server = {server_bin, "--local", std::to_string(kTunnelPort), "--remote", kIperfLocal, "--tun", kTunName, "-4"};
  m.client.insert(m.client.end(), extra.begin(), extra.end());
  m.server.insert(m.server.end(), extra.begin(), extra.end());
  m.rules = tun_rules();
  m.has_tun = true;
  return m;
}

}  // namespace

std::vector<std::string> with_nice(int nice, std::vector<std::string> argv) {
  if (nice == 0 || argv.empty()) return argv;
  argv.insert(argv.begin(), {"nice", "-n", std::to_string(nice)});
  return argv;
}

const std::vector<std::string>& all_mode_names() {
  static const std::vector<std::string> names{"direct", "null-relay", "phantasm", "udp2raw", "phantun"};
  return names;
}

bool mode_available(const std::string& name, const BenchOptions& o) {
  if (name == "direct") return true;
  if (name == "null-relay" || name == "phantasm") return !o.client_bin.empty() && !o.server_bin.empty();
  if (name == "udp2raw") return !o.udp2raw_bin.empty();
  if (name == "phantun") return !o.phantun_client_bin.empty() && !o.phantun_server_bin.empty();
  return false;
}

// The mode as its own binaries run it (mode_spec adds the nice prefix).
static ModeSpec plain_mode_spec(const std::string& name, const BenchOptions& o);

ModeSpec mode_spec(const std::string& name, const BenchOptions& o) {
  if (!mode_available(name, o)) throw std::runtime_error("mode '" + name + "': its binaries were not given");
  ModeSpec m = plain_mode_spec(name, o);
  m.client = with_nice(o.nice, m.client);
  m.server = with_nice(o.nice, m.server);
  return m;
}

static ModeSpec plain_mode_spec(const std::string& name, const BenchOptions& o) {
  if (name == "direct") return ModeSpec{"direct", "direct UDP", {}, {}, {}, {}, {}, {}, false};
  if (name == "null-relay" || name == "phantasm") {
    const bool null = name == "null-relay";
    ModeSpec m = tun_mode(name, null ? "null relay" : "Phantasm", o.client_bin, o.server_bin,
                          null ? std::vector<std::string>{"--null-engine", "--stats-interval", "0"}
                               : std::vector<std::string>{"--stats-interval", "0"});
    m.client_ready = "Listening on UDP";
    m.server_ready = "Listening on " + std::to_string(kTunnelPort);
    m.env = {"PHANTASM_LOG=info"};
    return m;
  }
  if (name == "phantun") {
    ModeSpec m = tun_mode(name, "Phantun", o.phantun_client_bin, o.phantun_server_bin, {});
    m.env = {"RUST_LOG=info"};
    return m;
  }
  // udp2raw as in the Phantun README's table: fake-TCP mode, no cipher, no auth, no anti-replay.
  // Raw sockets on the real addresses, so no TUN rules; -a installs its own RST-dropping rule.
  ModeSpec m;
  m.name = "udp2raw";
  m.label = "udp2raw";
  const std::vector<std::string> common{"-k", "phx", "--raw-mode", "faketcp", "--cipher-mode", "none",
                                        "--auth-mode", "none", "--disable-anti-replay", "-a"};
  m.client = {o.udp2raw_bin, "-c", std::string("-l") + kTunnelEntry, "-r" + kRemote};
  m.server = {o.udp2raw_bin, "-s", "-l0.0.0.0:" + std::to_string(kTunnelPort), "-r" + kIperfLocal};
  m.client.insert(m.client.end(), common.begin(), common.end());
  m.server.insert(m.server.end(), common.begin(), common.end());
  m.rules = {iperf_dnat()};
  return m;
}

}  // namespace phantasm::bench
