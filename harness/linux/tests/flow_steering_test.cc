#include "harness/linux/flow_steering.h"

#include <gtest/gtest.h>

#include <vector>

namespace phantasm::linux_host {
namespace {

// A minimal IPv4 (or IPv6) TCP packet: only the fields steering reads are meaningful.
std::vector<uint8_t> tcp_packet(bool v6, std::vector<uint8_t> src, uint16_t sport, uint16_t dport) {
  std::vector<uint8_t> p(v6 ? 60 : 40, 0);
  if (v6) {
    p[0] = 0x60;
    p[6] = 6;
    std::copy(src.begin(), src.end(), p.begin() + 8);
  } else {
    p[0] = 0x45;
    p[9] = 6;
    std::copy(src.begin(), src.end(), p.begin() + 12);
  }
  size_t l4 = v6 ? 40 : 20;
  p[l4] = static_cast<uint8_t>(sport >> 8);
  p[l4 + 1] = static_cast<uint8_t>(sport);
  p[l4 + 2] = static_cast<uint8_t>(dport >> 8);
  p[l4 + 3] = static_cast<uint8_t>(dport);
  return p;
}

TEST(FlowSteering, OneWorkerOwnsEverything) {
  FlowSteering s = FlowSteering::client(1, 32768, 60999);
  EXPECT_EQ(s.owner(tcp_packet(false, {1, 2, 3, 4}, 4567, 40000), 0), 0u);
  EXPECT_EQ(s.client_ports(0), std::make_pair(uint16_t{32768}, uint16_t{60999}));
}

TEST(FlowSteering, ClientPortSlicesPartitionTheRange) {
  for (size_t workers : {2u, 3u, 7u}) {
    FlowSteering s = FlowSteering::client(workers, 32768, 60999);
    uint32_t next = 32768;
    for (size_t w = 0; w < workers; ++w) {
      auto [first, last] = s.client_ports(w);
      EXPECT_EQ(first, next);
      EXPECT_LE(first, last);
      next = last + 1u;
      // Replies come back to our port: the slice's owner gets them, whoever read them.
      for (uint16_t port : {first, last, static_cast<uint16_t>((first + last) / 2)}) {
        EXPECT_EQ(s.owner(tcp_packet(false, {10, 0, 0, 1}, 4567, port), 0), w) << port;
        EXPECT_EQ(s.owner(tcp_packet(true, std::vector<uint8_t>(16, 7), 4567, port), 1), w);
      }
    }
    EXPECT_EQ(next, 61000u);
  }
}

TEST(FlowSteering, ServerOwnerFollowsTheRemoteAddressAndSpreadsAddresses) {
  FlowSteering s = FlowSteering::server(2);
  // A client that reconnects from a new port (after a dead path) stays with the worker that holds
  // its session.
  const size_t first = s.owner(tcp_packet(false, {198, 51, 100, 9}, 30000, 4567), 0);
  for (uint16_t port = 30001; port < 30200; ++port) {
    auto p = tcp_packet(false, {198, 51, 100, 9}, port, 4567);
    EXPECT_EQ(s.owner(p, 0), first);
    EXPECT_EQ(s.owner(p, 1), first);  // independent of the reading worker
  }
  std::vector<int> per_worker(2, 0);
  for (uint8_t host = 1; host < 201; ++host) {
    ++per_worker[s.owner(tcp_packet(false, {198, 51, 100, host}, 30000, 4567), 0)];
  }
  EXPECT_GT(per_worker[0], 50);
  EXPECT_GT(per_worker[1], 50);
}

TEST(FlowSteering, UnparsablePacketsStayWithTheReader) {
  FlowSteering s = FlowSteering::server(4);
  std::vector<uint8_t> udp = tcp_packet(false, {1, 1, 1, 1}, 1, 2);
  udp[9] = 17;
  EXPECT_EQ(s.owner(udp, 3), 3u);
  EXPECT_EQ(s.owner({}, 2), 2u);
  std::vector<uint8_t> truncated = tcp_packet(false, {1, 1, 1, 1}, 1, 2);
  truncated.resize(22);
  EXPECT_EQ(s.owner(truncated, 1), 1u);
  FlowSteering c = FlowSteering::client(2, 32768, 60999);
  EXPECT_EQ(c.owner(tcp_packet(false, {1, 1, 1, 1}, 4567, 80), 1), 1u);  // outside the range
}

}  // namespace
}  // namespace phantasm::linux_host
