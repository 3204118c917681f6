// Every datagram crosses as exactly one datagram with the same bytes, in both directions, for
// every size from 1 byte to the engine's maximum (and over IPv4 and IPv6). Sizes outside that
// range are refused and counted, never truncated or split.
#include <gtest/gtest.h>

#include "harness/memwire/simulation.h"
#include "harness/memwire/tests/sim_helpers.h"

namespace phantasm::memwire {
namespace {

using testing::at_ms;

// Contents that differ with size, position and direction, so that a datagram delivered in the
// wrong place or with shifted boundaries never matches.
std::vector<uint8_t> pattern(size_t size, size_t index, uint8_t direction) {
  std::vector<uint8_t> p(size);
  uint32_t x = static_cast<uint32_t>(size * 2654435761u + index * 97u + direction);
  for (auto& b : p) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>(x >> 16);
  }
  return p;
}

std::vector<size_t> sizes_up_to(size_t max) {
  std::vector<size_t> s;
  for (size_t n = 1; n <= 64; ++n) s.push_back(n);
  for (size_t p = 128; p <= 32768; p *= 2) {
    s.push_back(p - 1);
    s.push_back(p);
    s.push_back(p + 1);
  }
  for (size_t n : {size_t{1400}, size_t{1420}, size_t{1428}, size_t{1440}, size_t{1460}, size_t{1472}, size_t{1500},
                   size_t{8972}, size_t{9000}, size_t{65000}, max - 1, max}) {
    s.push_back(n);
  }
  return s;
}

class DatagramSizes : public ::testing::TestWithParam<bool> {};

TEST_P(DatagramSizes, ContentAndBoundariesArePreservedBothWays) {
  const bool ipv6 = GetParam();
  SimulationConfig config;
  config.trace_limit = 100000;
  if (ipv6) config.client.remote = SocketAddress{*IpAddress::parse("fcc9::2"), kServerPort};
  Simulation sim(config);
  const size_t max = sim.client().config().max_datagram;
  const std::vector<size_t> sizes = sizes_up_to(max);

  std::vector<std::vector<uint8_t>> at_server;
  std::vector<std::vector<uint8_t>> at_client;
  sim.on_server_datagram = [&](FlowId flow, std::span<const uint8_t> p) {
    at_server.emplace_back(p.begin(), p.end());
    // Answer each datagram with one of the same size but other contents.
    sim.server_send(flow, pattern(p.size(), at_server.size() - 1, 1));
  };
  sim.on_client_datagram = [&](size_t, std::span<const uint8_t> p) { at_client.emplace_back(p.begin(), p.end()); };
  for (size_t i = 0; i < sizes.size(); ++i) {
    sim.schedule(at_ms(static_cast<int64_t>(i)), [&sim, &sizes, i] { sim.client_send(0, pattern(sizes[i], i, 0)); });
  }
  sim.run_until(at_ms(static_cast<int64_t>(sizes.size()) + 100));

  ASSERT_EQ(at_server.size(), sizes.size());
  ASSERT_EQ(at_client.size(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(at_server[i], pattern(sizes[i], i, 0)) << "client -> server, size " << sizes[i];
    EXPECT_EQ(at_client[i], pattern(sizes[i], i, 1)) << "server -> client, size " << sizes[i];
  }
  // One datagram, one segment: the data segments each end sent have exactly the datagrams'
  // sizes, in order.
  std::vector<size_t> up, down;
  for (const auto& p : sim.trace()) {
    if (p.payload_len == 0) continue;
    (p.dir == Direction::kClientToServer ? up : down).push_back(p.payload_len);
  }
  EXPECT_EQ(up, sizes);
  EXPECT_EQ(down, sizes);
  EXPECT_EQ(sim.client().counters().traffic.datagrams_sent, sizes.size());
  EXPECT_EQ(sim.server().counters().traffic.datagrams_sent, sizes.size());
  EXPECT_EQ(sim.client().counters().drops.total(), 0u);
  EXPECT_EQ(sim.server().counters().drops.total(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Ip, DatagramSizes, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "IPv6" : "IPv4"; });

TEST(DatagramSizes, EmptyAndOversizeDatagramsAreRefusedAndCounted) {
  Simulation sim({});
  const size_t max = sim.client().config().max_datagram;
  std::vector<size_t> delivered;
  sim.on_server_datagram = [&](FlowId, std::span<const uint8_t> p) { delivered.push_back(p.size()); };
  sim.client_send(0, pattern(10, 0, 0));
  sim.client_send(0, {});
  sim.client_send(0, pattern(max + 1, 0, 0));
  sim.client_send(0, pattern(max, 0, 0));
  sim.run_until(at_ms(100));
  EXPECT_EQ(delivered, (std::vector<size_t>{10, max}));
  const DropCounters& drops = sim.client().counters().drops;
  EXPECT_EQ(drops[DropReason::kEmptyDatagram], 1u);
  EXPECT_EQ(drops[DropReason::kDatagramTooLarge], 1u);
  EXPECT_EQ(drops.total(), 2u);
}

}  // namespace
}  // namespace phantasm::memwire
