// The daemons' command line: Phantun's names and defaults, and one-line errors (exit 2).
#include "apps/daemons/options.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace phantasm::daemons {
namespace {

ParseResult parse(Role role, std::initializer_list<const char*> args) {
  std::vector<std::string> words{role == Role::kClient ? "phantasm-client" : "phantasm-server"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(words.size());
  return role == Role::kClient ? parse_client_options(argc, argv.data())
                               : parse_server_options(argc, argv.data());
}

int status_of(const ParseResult& r) { return std::holds_alternative<int>(r) ? std::get<int>(r) : -1; }

TEST(ClientOptions, PhantunDefaults) {
  auto r = parse(Role::kClient, {"-l", "127.0.0.1:1234", "-r", "example.net:4567"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(r));
  const auto& o = std::get<DaemonOptions>(r);
  EXPECT_EQ(o.client_local, SocketAddress::parse("127.0.0.1:1234"));
  EXPECT_EQ(o.remote_text, "example.net:4567");
  EXPECT_EQ(o.tun_name, "");
  EXPECT_EQ(o.tun_local4.to_string(), "192.168.200.1");
  EXPECT_EQ(o.tun_peer4.to_string(), "192.168.200.2");
  EXPECT_EQ(o.tun_local6.to_string(), "fcc8::1");
  EXPECT_EQ(o.tun_peer6.to_string(), "fcc8::2");
  EXPECT_FALSE(o.ipv4_only);
  EXPECT_FALSE(o.handshake_packet_path);
  EXPECT_EQ(o.mtu, 1500u);
  EXPECT_EQ(o.threads, 0u);  // one per CPU
}

TEST(ServerOptions, PhantunDefaultsAndSeveralPorts) {
  auto r = parse(Role::kServer, {"--local", "4567", "--remote", "127.0.0.1:51820", "-l", "443"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(r));
  const auto& o = std::get<DaemonOptions>(r);
  EXPECT_EQ(o.server_ports, (std::vector<uint16_t>{4567, 443}));
  EXPECT_EQ(o.tun_local4.to_string(), "192.168.201.1");
  EXPECT_EQ(o.tun_peer4.to_string(), "192.168.201.2");
  EXPECT_EQ(o.tun_local6.to_string(), "fcc9::1");
  EXPECT_EQ(o.tun_peer6.to_string(), "fcc9::2");
}

TEST(ClientOptions, LongNamesAndIpv6Local) {
  auto r = parse(Role::kClient, {"--local", "[::1]:9", "--remote", "[2001:db8::1]:4567", "--tun",
                                 "tun9", "--tun-local", "10.0.0.1", "--tun-peer", "10.0.0.2",
                                 "--tun-local6", "fd00::1", "--tun-peer6", "fd00::2", "--mtu",
                                 "1400", "--threads", "2"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(r));
  const auto& o = std::get<DaemonOptions>(r);
  EXPECT_EQ(o.client_local->to_string(), "[::1]:9");
  EXPECT_EQ(o.tun_name, "tun9");
  EXPECT_EQ(o.tun_peer4.to_string(), "10.0.0.2");
  EXPECT_EQ(o.tun_peer6.to_string(), "fd00::2");
  EXPECT_EQ(o.mtu, 1400u);
  EXPECT_EQ(o.threads, 2u);
}

TEST(Options, BadOptionsExitWithUsageStatus) {
  EXPECT_EQ(status_of(parse(Role::kClient, {"-r", "h:1"})), 2);                       // no --local
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "1.2.3.4", "-r", "h:1"})), 2);      // no port
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "1.2.3.4:0", "-r", "h:1"})), 2);    // port 0
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--tun-peer", "fcc8::2"})), 2);
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--mtu", "100"})), 2);
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--threads", "0"})), 2);
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--bogus"})), 2);
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--tun-local", "192.168.200.2"})), 2);
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--handshake-packet", "/nonexistent"})), 2);
  EXPECT_EQ(status_of(parse(Role::kServer, {"-l", "70000", "-r", "h:1"})), 2);
  EXPECT_EQ(status_of(parse(Role::kServer, {"-l", "0", "-r", "h:1"})), 2);
}

TEST(Options, Ipv4OnlyConflictsWithExplicitIpv6Addresses) {
  EXPECT_EQ(status_of(parse(Role::kServer, {"-l", "1", "-r", "h:1", "-4", "--tun-peer6", "fcc9::5"})), 2);
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "-4", "--tun-local6", "fcc8::5"})), 2);
  auto r = parse(Role::kServer, {"-l", "1", "-r", "h:1", "-4"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(r));
  EXPECT_TRUE(std::get<DaemonOptions>(r).ipv4_only);
}

TEST(Options, LivenessAndPeerKind) {
  auto d = parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(d));
  EXPECT_EQ(std::get<DaemonOptions>(d).compat, Compat::kAuto);
  EXPECT_EQ(std::get<DaemonOptions>(d).keepalive_interval.count(), 10);
  EXPECT_EQ(std::get<DaemonOptions>(d).dead_after.count(), 30);
  EXPECT_TRUE(std::get<DaemonOptions>(d).rst_unknown);

  auto r = parse(Role::kServer, {"-l", "1", "-r", "h:1", "--compat", "Phantun", "--keepalive", "5",
                                 "--dead-after", "12", "--phantun-dead-after", "0",
                                 "--no-rst-unknown"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(r));
  const auto& o = std::get<DaemonOptions>(r);
  EXPECT_EQ(o.compat, Compat::kPhantun);
  EXPECT_EQ(o.keepalive_interval.count(), 5);
  EXPECT_EQ(o.dead_after.count(), 12);
  EXPECT_EQ(o.phantun_dead_after.count(), 0);
  EXPECT_FALSE(o.rst_unknown);

  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--compat", "tcp"})), 2);
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--keepalive", "0"})), 2);
  // A keepalive no shorter than the dead-path time would declare every quiet path dead.
  EXPECT_EQ(status_of(parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--keepalive", "30"})), 2);
}

TEST(Options, HelpAndVersionExitZero) {
  EXPECT_EQ(status_of(parse(Role::kClient, {"--help"})), 0);
  EXPECT_EQ(status_of(parse(Role::kServer, {"-V"})), 0);
}

TEST(Options, ControlSocketAndAutoRules) {
  auto r = parse(Role::kServer, {"-l", "4567", "-r", "127.0.0.1:1"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(r));
  EXPECT_EQ(std::get<DaemonOptions>(r).control_path, "");  // the default path
  EXPECT_FALSE(std::get<DaemonOptions>(r).auto_rules);
  r = parse(Role::kClient, {"-l", "127.0.0.1:1", "-r", "h:1", "--auto-rules", "--control", "none"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(r));
  EXPECT_EQ(std::get<DaemonOptions>(r).control_path, "none");
  EXPECT_TRUE(std::get<DaemonOptions>(r).auto_rules);
  r = parse(Role::kServer, {"-l", "4567", "-r", "127.0.0.1:1", "--control", "/tmp/x.sock"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(r));
  EXPECT_EQ(std::get<DaemonOptions>(r).control_path, "/tmp/x.sock");
  EXPECT_EQ(status_of(parse(Role::kServer, {"-l", "4567", "-r", "127.0.0.1:1", "--control", ""})), 2);
}

}  // namespace
}  // namespace phantasm::daemons
