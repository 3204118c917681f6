// The status JSON (status_report.h), the --auto-rules ruleset (auto_rules.h) and the control
// socket (control_socket.h) without root: the socket on a temporary path.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "apps/daemons/auto_rules.h"
#include "apps/daemons/control_socket.h"
#include "apps/daemons/status_report.h"
#include "harness/linux/setup_error.h"

namespace phantasm::daemons {
namespace {

using namespace std::chrono_literals;

FlowSnapshot flow(const char* local, const char* remote, Time opened) {
  FlowSnapshot f{};
  f.info.tuple = {*SocketAddress::parse(local), *SocketAddress::parse(remote)};
  f.state = ConnState::kEstablished;
  f.opened = opened;
  f.last_datagram = opened + 2s;
  f.peer_kind = PeerKind::kPhantasm;
  f.traffic.datagrams_sent = 10;
  f.traffic.bytes_sent = 1000;
  f.traffic.datagrams_delivered = 9;
  f.traffic.bytes_delivered = 900;
  f.drops.count(DropReason::kPendingQueueFull, 2);
  return f;
}

StatusInputs inputs() {
  StatusInputs in;
  in.program = "phantasm-client";
  in.version = "1.2.3";
  in.role = Role::kClient;
  in.tun = "pc4";
  in.pid = 42;
  in.now = Time::zero() + 100s;
  WorkerStatus w0, w1;
  w0.flows.push_back(flow("192.168.200.2:40000", "10.90.2.2:4567", Time::zero() + 40s));
  w0.flows.back().info.udp_peer = SocketAddress::parse("127.0.0.1:5555");
  w1.flows.push_back(flow("192.168.200.2:50000", "10.90.2.2:4567", Time::zero() + 90s));
  w1.flows.back().peer_kind = PeerKind::kPhantun;
  w0.counters.flows = 1;
  w1.counters.flows = 1;
  w0.counters.engine.traffic.datagrams_sent = 10;
  w1.counters.engine.traffic.datagrams_sent = 5;
  w0.counters.engine.drops.count(DropReason::kBadAddress);
  w1.counters.host.udp_kernel_drops = 3;
  w0.counters.host.udp_datagrams_received = 7;
  in.workers = {w0, w1};
  in.tun_link = linux_host::LinkStats{};
  in.tun_link->tx_dropped = 4;
  return in;
}

TEST(StatusJson, FlowsAndTotals) {
  auto j = status_json(inputs());
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["program"], "phantasm-client");
  EXPECT_EQ(j["role"], "client");
  EXPECT_EQ(j["tun"], "pc4");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["workers"], 2);
  EXPECT_DOUBLE_EQ(j["uptime_s"].get<double>(), 100.0);
  ASSERT_EQ(j["flows"].size(), 2u);
  const auto& f = j["flows"][0];
  EXPECT_EQ(f["worker"], 0);
  EXPECT_EQ(f["local"], "192.168.200.2:40000");
  EXPECT_EQ(f["remote"], "10.90.2.2:4567");
  EXPECT_EQ(f["udp_peer"], "127.0.0.1:5555");
  EXPECT_EQ(f["peer_kind"], "phantasm");
  EXPECT_EQ(f["state"], "established");
  EXPECT_DOUBLE_EQ(f["age_s"].get<double>(), 60.0);
  EXPECT_DOUBLE_EQ(f["idle_s"].get<double>(), 58.0);
  EXPECT_EQ(f["udp_to_tcp"]["datagrams"], 10);
  EXPECT_EQ(f["udp_to_tcp"]["bytes"], 1000);
  EXPECT_EQ(f["tcp_to_udp"]["datagrams"], 9);
  EXPECT_EQ(f["tcp_to_udp"]["bytes"], 900);
  EXPECT_EQ(f["drops"]["pending-queue-full"], 2);
  EXPECT_TRUE(j["flows"][1]["udp_peer"].is_null());
  EXPECT_EQ(j["flows"][1]["peer_kind"], "phantun");
  EXPECT_EQ(j["flows"][1]["worker"], 1);

  const auto& t = j["totals"];
  EXPECT_EQ(t["flows"], 2);
  EXPECT_EQ(t["udp_to_tcp"]["datagrams"], 15);
  EXPECT_EQ(t["udp_in"], 7);
  // The stats line's drop names: engine reasons, host counters, the TUN's kernel counters.
  EXPECT_EQ(t["drops"]["bad-address"], 1);
  EXPECT_EQ(t["drops"]["udp_rxq_overflow"], 3);
  EXPECT_EQ(t["drops"]["tun_tx_dropped"], 4);
  EXPECT_EQ(t["drops"].size(), 3u);
}

TEST(StatusJson, NoFlowsIsAnEmptyArray) {
  StatusInputs in;
  in.role = Role::kServer;
  auto j = status_json(in);
  EXPECT_TRUE(j["flows"].is_array());
  EXPECT_TRUE(j["flows"].empty());
  EXPECT_EQ(j["role"], "server");
  EXPECT_TRUE(j["totals"]["drops"].is_object());
  EXPECT_TRUE(j["totals"]["drops"].empty());
}

TEST(AutoRules, TableNameIsTheTunSanitised) {
  EXPECT_EQ(auto_rules_table("tun0"), "phantasm_tun0");
  EXPECT_EQ(auto_rules_table("ph-c.1"), "phantasm_ph-c.1");
  EXPECT_EQ(auto_rules_table("a b\"c"), "phantasm_a_b_c");
}

TEST(AutoRules, ClientMasqueradesTheTun) {
  AutoRulesSpec spec;
  spec.role = Role::kClient;
  spec.tun = "pc4";
  std::string r = auto_rules_ruleset(spec);
  EXPECT_NE(r.find("table inet phantasm_pc4 {"), std::string::npos) << r;
  EXPECT_NE(r.find("type nat hook postrouting"), std::string::npos) << r;
  EXPECT_NE(r.find("iifname \"pc4\" masquerade"), std::string::npos) << r;
  EXPECT_NE(r.find("iifname \"pc4\" accept"), std::string::npos) << r;
  // Nothing INVALID leaves the TUN un-NATed, with its private source address.
  EXPECT_LT(r.find("iifname \"pc4\" ct state invalid counter drop"), r.find("iifname \"pc4\" accept")) << r;
  EXPECT_NE(r.find("oifname \"pc4\" accept"), std::string::npos) << r;
  EXPECT_EQ(r.find("dnat"), std::string::npos) << r;
}

TEST(AutoRules, ServerDnatsItsPortsToTheTunPeers) {
  AutoRulesSpec spec;
  spec.role = Role::kServer;
  spec.tun = "ps";
  spec.ipv6 = true;
  spec.peer4 = *IpAddress::parse("192.168.201.2");
  spec.peer6 = *IpAddress::parse("fcc9::2");
  spec.ports = {4567, 443};
  std::string r = auto_rules_ruleset(spec);
  EXPECT_NE(r.find("type nat hook prerouting"), std::string::npos) << r;
  EXPECT_NE(r.find("meta nfproto ipv4 iifname != \"ps\" fib daddr type local tcp dport { 4567, "
                   "443 } dnat ip to 192.168.201.2"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("dnat ip6 to fcc9::2"), std::string::npos) << r;
  EXPECT_EQ(r.find("masquerade"), std::string::npos) << r;
  spec.ipv6 = false;
  EXPECT_EQ(auto_rules_ruleset(spec).find("ip6"), std::string::npos);
}

// ---- control socket ----------------------------------------------------------------------------

std::string ask(const std::string& path, const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string line = request + "\n";
  EXPECT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  std::string reply;
  char chunk[512];
  ssize_t n;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0) reply.append(chunk, static_cast<size_t>(n));
  ::close(fd);
  return reply;
}

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("phx7-control-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "d.sock").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Serves on its own thread while `fn` runs.
  template <typename Fn>
  void serve(ControlSocket& socket, boost::asio::io_context& io, Fn fn) {
    (void)socket;
    auto guard = boost::asio::make_work_guard(io);
    std::thread t([&io] { io.run(); });
    fn();
    guard.reset();
    io.stop();
    t.join();
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(ControlSocketTest, AnswersCreatesItsDirectoryAndRemovesItsFile) {
  boost::asio::io_context io;
  {
    ControlSocket socket(io, path_, [](std::string_view request) {
      return "{\"got\":\"" + std::string(request) + "\"}";
    });
    struct stat st{};
    ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0750u);
    ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    serve(socket, io, [&] {
      EXPECT_EQ(ask(path_, "status"), "{\"got\":\"status\"}\n");
      EXPECT_EQ(ask(path_, "status"), "{\"got\":\"status\"}\n");
    });
  }
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(ControlSocketTest, ReplacesAStaleSocketAndRefusesALiveOne) {
  std::filesystem::create_directories(dir_);
  // A stale socket: bound, then its owner gone without removing it.
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path_.data(), path_.size());
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    ::close(fd);
  }
  boost::asio::io_context io;
  ControlSocket socket(io, path_, [](std::string_view) { return std::string("{}"); });
  boost::asio::io_context other;
  EXPECT_THROW(ControlSocket(other, path_, [](std::string_view) { return std::string(); }),
               linux_host::SetupError);
  EXPECT_TRUE(std::filesystem::exists(path_));  // the refused one did not remove ours
  serve(socket, io, [&] { EXPECT_EQ(ask(path_, "status"), "{}\n"); });
}

TEST_F(ControlSocketTest, RefusesAFileThatIsNotASocket) {
  std::filesystem::create_directories(dir_);
  { std::ofstream(path_) << "x"; }
  boost::asio::io_context io;
  EXPECT_THROW(ControlSocket(io, path_, [](std::string_view) { return std::string(); }),
               linux_host::SetupError);
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST(ControlPath, Default) {
  EXPECT_EQ(default_control_path("phantasm-server", "ps"), "/run/phantasm/phantasm-server-ps.sock");
}

}  // namespace
}  // namespace phantasm::daemons
