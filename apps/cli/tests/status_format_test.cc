// `phantasm status`'s table from a daemon's JSON (the schema of apps/daemons/status_report.h).
#include "apps/cli/status_format.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "apps/cli/status_command.h"

namespace phantasm::cli {
namespace {

const char* kClient = R"({
  "schema": 1, "program": "phantasm-client", "version": "0.1.0", "pid": 4242, "role": "client",
  "tun": "pc4", "uptime_s": 75.5, "workers": 2,
  "flows": [
    {"worker": 0, "local": "192.168.200.2:40001", "remote": "10.90.2.2:4567",
     "udp_peer": "127.0.0.1:5555", "peer_kind": "phantasm", "state": "established",
     "age_s": 61.2, "idle_s": 0.4, "udp_to_tcp": {"datagrams": 5000, "bytes": 3500000},
     "tcp_to_udp": {"datagrams": 4999, "bytes": 3499300}, "drops": {"pending-queue-full": 1}},
    {"worker": 1, "local": "192.168.200.2:50002", "remote": "10.90.2.2:4567",
     "udp_peer": "127.0.0.1:5556", "peer_kind": "phantun", "state": "syn-sent",
     "age_s": 1, "idle_s": 1, "udp_to_tcp": {"datagrams": 1, "bytes": 64},
     "tcp_to_udp": {"datagrams": 0, "bytes": 0}, "drops": {}}
  ],
  "totals": {"flows": 2, "half_open": 1, "opened": 3, "closed": 1,
             "udp_to_tcp": {"datagrams": 5001, "bytes": 3500064},
             "tcp_to_udp": {"datagrams": 4999, "bytes": 3499300},
             "tun_read": 5100, "tun_written": 5050, "udp_in": 5002, "udp_out": 4999,
             "resets_in": 0, "resets_out": 1, "pure_acks_in": 7, "pure_acks_out": 8,
             "phantasm_peers": 1, "handoffs": 0,
             "drops": {"pending-queue-full": 1, "udp_rxq_overflow": 2}}
})";

TEST(StatusTable, ClientFlowsAndTotals) {
  std::string t = format_status_table(nlohmann::json::parse(kClient));
  EXPECT_NE(t.find("phantasm-client 0.1.0 (pid 4242), tun pc4, 2 worker(s), up 1m15s"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("LOCAL"), std::string::npos) << t;
  EXPECT_NE(t.find("UDP PEER"), std::string::npos) << t;
  // One row per flow, columns aligned: every row's REMOTE starts where the header's does.
  auto header = t.find("LOCAL");
  auto row1 = t.find("192.168.200.2:40001");
  auto row2 = t.find("192.168.200.2:50002");
  ASSERT_NE(row1, std::string::npos);
  ASSERT_NE(row2, std::string::npos);
  auto column = [&](size_t line_start, const char* what) {
    return t.find(what, line_start) - line_start;
  };
  EXPECT_EQ(column(header, "REMOTE"), column(row1, "10.90.2.2:4567"));
  EXPECT_EQ(column(header, "PEER KIND"), column(row1, "phantasm"));
  EXPECT_EQ(column(header, "PEER KIND"), column(row2, "phantun"));
  EXPECT_NE(t.find("5000 / 3.3 MiB"), std::string::npos) << t;
  EXPECT_NE(t.find("1 / 64 B"), std::string::npos) << t;
  EXPECT_NE(t.find("pending-queue-full=1"), std::string::npos) << t;
  EXPECT_NE(t.find("established"), std::string::npos) << t;
  EXPECT_NE(t.find("1m01s"), std::string::npos) << t;
  EXPECT_NE(t.find("totals: flows 2 (half-open 1, opened 3, closed 1), phantasm peers 1"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("udp->tcp  5001 datagrams  3.3 MiB"), std::string::npos) << t;
  EXPECT_NE(t.find("drops: pending-queue-full=1 udp_rxq_overflow=2"), std::string::npos) << t;
}

TEST(StatusTable, ServerHasNoUdpPeerColumnAndNoFlows) {
  auto j = nlohmann::json::parse(kClient);
  j["role"] = "server";
  std::string t = format_status_table(j);
  EXPECT_EQ(t.find("UDP PEER"), std::string::npos) << t;
  j["flows"] = nlohmann::json::array();
  j["totals"]["drops"] = nlohmann::json::object();
  t = format_status_table(j);
  EXPECT_NE(t.find("no flows"), std::string::npos) << t;
  EXPECT_NE(t.find("drops: none"), std::string::npos) << t;
}

TEST(StatusTable, MissingFieldsDoNotThrow) {
  EXPECT_NO_THROW(format_status_table(nlohmann::json::object()));
  EXPECT_NO_THROW(format_status_table(nlohmann::json::parse(R"({"flows":[{}],"totals":{}})")));
}

TEST(StatusTable, HumanUnits) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(uint64_t{5} << 30), "5.0 GiB");
  EXPECT_EQ(human_duration(0.4), "0s");
  EXPECT_EQ(human_duration(59.9), "59s");
  EXPECT_EQ(human_duration(303), "5m03s");
  EXPECT_EQ(human_duration(7500), "2h05m");
  EXPECT_EQ(human_duration(2 * 86400 + 3600), "2d01h");
  EXPECT_EQ(human_duration(-1), "-");
}

TEST(StatusSockets, ListsOnlySocketsSorted) {
  auto dir = std::filesystem::temp_directory_path() / ("phx7-sockets-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "not-a-socket.sock") << "x"; }
  EXPECT_TRUE(control_sockets(dir.string()).empty());
  EXPECT_TRUE(control_sockets((dir / "missing").string()).empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace phantasm::cli
