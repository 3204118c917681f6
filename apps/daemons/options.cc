#include "apps/daemons/options.h"

#include <CLI/CLI.hpp>

#include <iostream>

#ifndef PHANTASM_VERSION
#define PHANTASM_VERSION "unknown"
#endif

namespace phantasm::daemons {
namespace {

// CLI11 validator: the text is an IP address of the given family.
CLI::Validator ip_of(IpVersion version) {
  return CLI::Validator(
      [version](std::string& text) -> std::string {
        auto ip = IpAddress::parse(text);
        if (!ip || ip->version() != version) {
          return "'" + text + "' is not an IPv" + (version == IpVersion::kV4 ? "4" : "6") +
                 " address";
        }
        return {};
      },
      version == IpVersion::kV4 ? "IPV4" : "IPV6");
}

IpAddress must_parse(const std::string& text) { return *IpAddress::parse(text); }

struct TunTexts {
  std::string local4, peer4, local6, peer6;
};

// Options both daemons share; returns the options that conflict with --ipv4-only.
void add_common(CLI::App& app, DaemonOptions& o, TunTexts& tun, std::string& handshake,
                unsigned& stats_seconds, std::string& compat) {
  app.add_option("-r,--remote", o.remote_text,
                 o.role == Role::kClient ? "Phantasm/Phantun server, HOST:PORT (a name is resolved again "
                                           "every --resolve-interval; reconnections use the "
                                           "newest address)"
                                         : "UDP server to forward to, HOST:PORT (resolved once)")
      ->required();
  app.add_option("--tun", o.tun_name, "TUN interface name (default: the kernel picks, e.g. tun0)");
  app.add_option("--tun-local", tun.local4, "IPv4 address on the OS side of the TUN")
      ->capture_default_str()
      ->check(ip_of(IpVersion::kV4));
  app.add_option("--tun-peer", tun.peer4,
                 o.role == Role::kClient
                     ? "IPv4 address the tunnel speaks as (MASQUERADE/SNAT it on the way out)"
                     : "IPv4 address the tunnel speaks as (the DNAT target)")
      ->capture_default_str()
      ->check(ip_of(IpVersion::kV4));
  auto* v4only = app.add_flag("-4,--ipv4-only", o.ipv4_only,
                              o.role == Role::kClient
                                  ? "Only use IPv4 for the remote"
                                  : "Do not assign IPv6 addresses to the TUN interface");
  auto* local6 = app.add_option("--tun-local6", tun.local6, "IPv6 address on the OS side of the TUN")
                     ->capture_default_str()
                     ->check(ip_of(IpVersion::kV6));
  auto* peer6 = app.add_option("--tun-peer6", tun.peer6, "IPv6 address the tunnel speaks as")
                    ->capture_default_str()
                    ->check(ip_of(IpVersion::kV6));
  v4only->excludes(local6)->excludes(peer6);
  app.add_option("--handshake-packet", handshake,
                 "File sent as the first data segment of every new connection (one packet)")
      ->check(CLI::ExistingFile);
  app.add_option("--mtu", o.mtu, "MTU of the TUN device (datagrams up to MTU-40, IPv6 MTU-60)")
      ->capture_default_str()
      ->check(CLI::Range(576u, 65535u));
  app.add_option("--threads", o.threads,
                 "Worker threads, one TUN queue each (default: one per CPU; measured faster than "
                 "one on 2 cores with several flows)")
      ->check(CLI::Range(1u, 64u));
  app.add_option("--stats-interval", stats_seconds,
                 "Seconds between stats lines (0: only on SIGUSR1)")
      ->capture_default_str();
  app.add_option("--compat", compat,
                 "What the far end is: auto (Phantun until it proves to be Phantasm), phantun "
                 "(never send Phantasm's hello or probes), phantasm (require it)")
      ->capture_default_str()
      ->transform(CLI::IsMember({"auto", "phantun", "phantasm"}, CLI::ignore_case));
  app.add_option("--keepalive", o.keepalive_interval,
                 "Seconds of silence from the peer before a keepalive probe (refreshes NAT and "
                 "conntrack state; well under conntrack's 300 s UNACK timeout)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--dead-after", o.dead_after,
                 "Seconds without an answer from a Phantasm peer before the path counts as dead "
                 "(the client then reconnects on a new port)")
      ->capture_default_str()
      ->check(CLI::Range(2, 3600));
  app.add_option("--phantun-dead-after", o.phantun_dead_after,
                 "With a Phantun peer (which never answers probes): seconds of inbound silence "
                 "while datagrams go out before the path counts as dead; 0 disables (one-way "
                 "flows)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  app.add_flag("--no-rst-unknown{false}", o.rst_unknown,
               "Drop segments for unknown connections silently instead of answering RST+ACK "
               "(rate-limited otherwise)");
  app.add_option("--control", o.control_path,
                 "Unix socket for `phantasm status` (default /run/phantasm/<program>-<tun>.sock, "
                 "directory created 0750; 'none' disables)")
      ->check([](const std::string& text) -> std::string {
        return text.empty() ? "the path is empty (use 'none' to disable)" : std::string();
      });
  app.add_flag("--auto-rules", o.auto_rules,
               o.role == Role::kClient
                   ? "Set net.ipv4.ip_forward=1 (IPv6 forwarding too when the TUN has IPv6) and "
                     "add nftables table inet phantasm_<tun>: masquerade of the TUN's traffic, "
                     "forward accept for the TUN; the table is removed on exit (and a leftover "
                     "one replaced at start)"
                   : "Set net.ipv4.ip_forward=1 (IPv6 forwarding too unless -4) and add nftables "
                     "table inet phantasm_<tun>: DNAT of the --local port(s) to --tun-peer "
                     "(--tun-peer6), forward accept for the TUN; the table is removed on exit "
                     "(and a leftover one replaced at start)");
  if (o.role == Role::kClient) {
    app.add_option("--resolve-interval", o.resolve_interval,
                   "Seconds between resolutions of a --remote given by name (0: resolve once, "
                   "as Phantun does)")
        ->capture_default_str()
        ->check(CLI::Range(0, 86400));
    app.add_flag("--pin-route", o.pin_route,
                 "When the route to --remote goes into a tunnel (WireGuard with AllowedIPs "
                 "0.0.0.0/0, this TUN...), add a host route to it via the main table's uplink "
                 "(removed on exit); without it the client only warns");
  }
  // Hidden (no group): `phantasm bench` measures the host I/O ceiling with it; not a tunnel.
  app.add_flag("--null-engine", o.null_engine)->group("");
  app.set_version_flag("-V,--version", std::string("phantasm ") + PHANTASM_VERSION);
  app.footer(
      "Log level: PHANTASM_LOG (or RUST_LOG) = error|warn|info|debug|trace (default info).\n"
      "Needs root or CAP_NET_ADMIN. SIGUSR1 logs a stats line; `phantasm status` shows the\n"
      "flows and counters of a running daemon (over --control).\n"
      "Exit status: 0 stopped by SIGINT/SIGTERM, or --help/--version; 1 setup failed (the\n"
      "remote does not resolve, no /dev/net/tun or no permission for it, an address in use...)\n"
      "or a worker failed; 2 bad option.");
}

ParseResult finish(CLI::App& app, int argc, char** argv, DaemonOptions& o, const TunTexts& tun,
                   const std::string& handshake, unsigned stats_seconds, const std::string& compat) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::cerr << o.program << ": error: " << e.what() << " (try --help)\n";
    return 2;
  }
  o.tun_local4 = must_parse(tun.local4);
  o.tun_peer4 = must_parse(tun.peer4);
  o.tun_local6 = must_parse(tun.local6);
  o.tun_peer6 = must_parse(tun.peer6);
  if (o.tun_local4 == o.tun_peer4 || o.tun_local6 == o.tun_peer6) {
    std::cerr << o.program << ": error: --tun-local and --tun-peer must differ\n";
    return 2;
  }
  if (o.keepalive_interval >= o.dead_after) {
    std::cerr << o.program << ": error: --keepalive (" << o.keepalive_interval.count()
              << " s) must be shorter than --dead-after (" << o.dead_after.count() << " s)\n";
    return 2;
  }
  o.compat = compat == "phantun" ? Compat::kPhantun
             : compat == "phantasm" ? Compat::kPhantasm
                                    : Compat::kAuto;
  if (!handshake.empty()) o.handshake_packet_path = handshake;
  o.stats_interval = std::chrono::seconds(stats_seconds);
  return o;
}

}  // namespace

ParseResult parse_client_options(int argc, char** argv) {
  DaemonOptions o;
  o.role = Role::kClient;
  o.program = "phantasm-client";
  TunTexts tun{"192.168.200.1", "192.168.200.2", "fcc8::1", "fcc8::2"};
  std::string handshake;
  unsigned stats_seconds = 60;
  std::string local_text;
  CLI::App app("Phantasm client: carries local UDP over fake TCP (drop-in for phantun_client)",
               o.program);
  app.add_option("-l,--local", local_text, "UDP address to listen on, IP:PORT ([IPv6]:PORT)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto a = SocketAddress::parse(text);
            if (!a || a->port == 0) return "'" + text + "' is not IP:PORT (IPv6 as [ADDR]:PORT)";
            return {};
          },
          "IP:PORT"));
  std::string compat = "auto";
  add_common(app, o, tun, handshake, stats_seconds, compat);
  auto result = finish(app, argc, argv, o, tun, handshake, stats_seconds, compat);
  if (auto* options = std::get_if<DaemonOptions>(&result)) {
    options->client_local = SocketAddress::parse(local_text);
  }
  return result;
}

ParseResult parse_server_options(int argc, char** argv) {
  DaemonOptions o;
  o.role = Role::kServer;
  o.program = "phantasm-server";
  TunTexts tun{"192.168.201.1", "192.168.201.2", "fcc9::1", "fcc9::2"};
  std::string handshake;
  unsigned stats_seconds = 60;
  CLI::App app("Phantasm server: accepts fake TCP and forwards it as UDP (drop-in for phantun_server)",
               o.program);
  app.add_option("-l,--local", o.server_ports, "Fake-TCP port to listen on (repeat for several)")
      ->required()
      ->check(CLI::Range(1, 65535));
  std::string compat = "auto";
  add_common(app, o, tun, handshake, stats_seconds, compat);
  return finish(app, argc, argv, o, tun, handshake, stats_seconds, compat);
}

}  // namespace phantasm::daemons
