// A thousand UDP peers at once: one fake-TCP connection each, every datagram on its own flow
// and back to the peer that sent it.
#include <gtest/gtest.h>

#include <set>

#include "harness/memwire/probe_traffic.h"
#include "harness/memwire/simulation.h"
#include "harness/memwire/tests/sim_helpers.h"

namespace phantasm::memwire {
namespace {

using std::chrono::milliseconds;

TEST(ManyFlows, ThousandConcurrentFlowsEachCarryTheirOwnDatagramsBothWays) {
  constexpr size_t kFlows = 1000;
  constexpr size_t kPerFlow = 5;
  // All peers start within 10 ms and a round trip takes 80 ms: every handshake overlaps every
  // other (the default half-open limit is 1024).
  SimulationConfig config;
  config.client_leg = LegConfig::symmetric({.delay = milliseconds(20)});
  config.server_leg = LegConfig::symmetric({.delay = milliseconds(20)});
  Simulation sim(config);
  ProbeTraffic traffic(sim, {.flows = kFlows, .datagrams_per_flow = kPerFlow, .size = 64,
                             .interval = milliseconds(10)});
  size_t peak_half_open = 0;
  sim.on_arrival = [&](Direction, std::span<const uint8_t>) {
    peak_half_open = std::max(peak_half_open, sim.server().half_open_count());
  };
  sim.run_until(traffic.last_send() + milliseconds(500));

  for (uint32_t f = 0; f < kFlows; ++f) {
    const ProbeCounts up = traffic.upstream().flow(f);
    const ProbeCounts down = traffic.downstream().flow(f);
    ASSERT_EQ(up.sent, kPerFlow) << "flow " << f;
    ASSERT_EQ(up.unique, kPerFlow) << "flow " << f;
    ASSERT_EQ(down.unique, kPerFlow) << "flow " << f;
    ASSERT_EQ(up.duplicated + down.duplicated + up.misrouted + down.misrouted, 0u) << "flow " << f;
  }
  EXPECT_EQ(traffic.upstream().total().corrupted + traffic.downstream().total().corrupted, 0u);
  EXPECT_EQ(traffic.server_flow_mixups(), 0u);

  // One connection per peer on each side, each on its own client port.
  EXPECT_EQ(sim.client().flow_count(), kFlows);
  EXPECT_EQ(sim.server().flow_count(), kFlows);
  EXPECT_EQ(sim.client().counters().handshakes_completed, kFlows);
  EXPECT_EQ(sim.server().counters().handshakes_completed, kFlows);
  std::set<uint16_t> ports;
  std::set<SocketAddress> peers;
  for (const FlowSnapshot& f : sim.client().flows()) {
    ports.insert(f.info.tuple.local.port);
    peers.insert(*f.info.udp_peer);
    EXPECT_GE(f.info.tuple.local.port, 32768);
    EXPECT_LE(f.info.tuple.local.port, 60999);
  }
  EXPECT_EQ(ports.size(), kFlows);
  EXPECT_EQ(peers.size(), kFlows);
  EXPECT_EQ(peak_half_open, kFlows);
  EXPECT_EQ(sim.client().counters().drops.total(), 0u) << testing::describe(sim.client().counters().drops);
  EXPECT_EQ(sim.server().counters().drops.total(), 0u) << testing::describe(sim.server().counters().drops);
}

}  // namespace
}  // namespace phantasm::memwire
