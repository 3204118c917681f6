#include "netns-tests/runner/tunnel.h"

namespace phantasm::netns {

TunnelCommands tunnel_commands(const TunnelSpec& t, const std::string& server_address, bool ipv6) {
  TunnelCommands c;
  const std::string remote = (ipv6 ? "[" + server_address + "]" : server_address) + ":" + std::to_string(kTunnelPort);
  if (t.kind == TunnelKind::kUdp2raw) {
    const std::string listen = ipv6 ? "[::]:" : "0.0.0.0:";
    c.client = {t.client_binary, "-c", std::string("-l") + kClientEntry, "-r" + remote, "-k", "phx", "--raw-mode",
                "faketcp", "-a"};
    c.server = {t.server_binary, "-s", "-l" + listen + std::to_string(kTunnelPort), std::string("-r") + kSinkAddress,
                "-k", "phx", "--raw-mode", "faketcp", "-a"};
    return c;
  }
  // Phantasm and Phantun share the command line and the README's end-host rules.
  c.client = {t.client_binary, "--local", kClientEntry, "--remote", remote, "--tun", "pt"};
  c.server = {t.server_binary, "--local", std::to_string(kTunnelPort), "--remote", kSinkAddress, "--tun", "pt"};
  c.env = {"PHANTASM_LOG=info", "RUST_LOG=info"};
  c.client_nft = R"(table inet phx_tun {
  chain post { type nat hook postrouting priority 100; iifname "pt" oifname "wan" masquerade; }
}
)";
  c.server_nft = R"(table inet phx_tun {
  chain pre {
    type nat hook prerouting priority -100;
    iifname "lan" tcp dport 4567 dnat ip to 192.168.201.2
    iifname "lan" tcp dport 4567 dnat ip6 to fcc9::2
  }
}
)";
  if (t.kind == TunnelKind::kPhantasm) {
    if (t.threads > 0) {
      for (auto* argv : {&c.client, &c.server}) argv->insert(argv->end(), {"--threads", std::to_string(t.threads)});
    }
    c.client.insert(c.client.end(), t.client_args.begin(), t.client_args.end());
    c.server.insert(c.server.end(), t.server_args.begin(), t.server_args.end());
    c.client_ready = "Listening on UDP";
    c.server_ready = "Listening on 4567";
  }
  return c;
}

}  // namespace phantasm::netns
