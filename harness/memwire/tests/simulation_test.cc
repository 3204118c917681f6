// The host itself: datagrams reach the right application, timers fire, runs are reproducible.
#include "harness/memwire/simulation.h"

#include <gtest/gtest.h>

#include "harness/memwire/packet_filter.h"
#include "harness/memwire/probe_traffic.h"
#include "harness/memwire/tests/sim_helpers.h"

namespace phantasm::memwire {
namespace {

using testing::at_ms;
using testing::bytes;
using testing::Deliveries;

TEST(Simulation, DatagramCrossesBothWaysOnOneFlow) {
  Simulation sim({});
  Deliveries got;
  got.attach(sim);
  sim.on_server_datagram = [&](FlowId flow, std::span<const uint8_t> p) {
    got.at_server.emplace_back(flow, std::vector<uint8_t>(p.begin(), p.end()));
    sim.server_send(flow, bytes("world"));
  };
  sim.client_send(3, bytes("hello"));
  sim.run_until(at_ms(100));

  ASSERT_EQ(got.at_server.size(), 1u);
  EXPECT_EQ(got.at_server[0].second, bytes("hello"));
  ASSERT_EQ(got.at_client.size(), 1u);
  EXPECT_EQ(got.at_client[0].first, 3u);
  EXPECT_EQ(got.at_client[0].second, bytes("world"));
  EXPECT_EQ(testing::count_events(sim, Side::kClient, true), 1u);
  EXPECT_EQ(testing::count_events(sim, Side::kServer, true), 1u);
  EXPECT_EQ(sim.app(Side::kClient).sent, 1u);
  EXPECT_EQ(sim.app(Side::kServer).delivered, 1u);
  EXPECT_EQ(sim.timer_stalls(), 0u);
  // The client's flow serves UDP peer 3 and the fake-TCP source is Phantun's TUN peer address.
  const auto& opened = sim.flow_events().front();
  EXPECT_EQ(opened.info.udp_peer, Simulation::client_peer(3));
  EXPECT_EQ(opened.info.tuple.local.ip, IpAddress::v4({192, 168, 200, 2}));
}

TEST(Simulation, PathDelayIsTheSumOfBothLegs) {
  SimulationConfig config;
  config.client_leg = LegConfig::symmetric({.delay = std::chrono::milliseconds(3)});
  config.server_leg = LegConfig::symmetric({.delay = std::chrono::milliseconds(7)});
  Simulation sim(config);
  std::vector<Time> arrivals;
  sim.on_arrival = [&](Direction, std::span<const uint8_t>) { arrivals.push_back(sim.now()); };
  sim.client_send(0, bytes("x"));
  sim.run_until(at_ms(100));
  // SYN at 0 arrives at 10 ms; SYN-ACK back at 20 ms; ACK and data arrive at 30 ms.
  ASSERT_GE(arrivals.size(), 4u);
  EXPECT_EQ(arrivals[0], at_ms(10));
  EXPECT_EQ(arrivals[1], at_ms(20));
  EXPECT_EQ(arrivals[2], at_ms(30));
  EXPECT_EQ(arrivals[3], at_ms(30));
}

TEST(Simulation, MiddleboxHoldDelaysThePacket) {
  SimulationConfig config;
  config.middlebox = hold_nth(Direction::kClientToServer, is_syn, {1}, std::chrono::milliseconds(5));
  Simulation sim(config);
  std::vector<Time> arrivals;
  sim.on_arrival = [&](Direction, std::span<const uint8_t>) { arrivals.push_back(sim.now()); };
  sim.client_send(0, bytes("x"));
  sim.run_until(at_ms(100));
  ASSERT_FALSE(arrivals.empty());
  EXPECT_EQ(arrivals[0], at_ms(0) + std::chrono::microseconds(5500));  // 250 + 5000 + 250 us
}

// Everything observable about a run, as text, for comparing two runs.
std::string fingerprint(uint64_t seed) {
  SimulationConfig config;
  config.seed = seed;
  const LinkConfig rough{.delay = std::chrono::milliseconds(1), .jitter = std::chrono::milliseconds(1),
                         .loss = 0.05, .duplicate = 0.02};
  config.client_leg = LegConfig::symmetric(rough);
  Simulation sim(config);
  ProbeTraffic traffic(sim, {.flows = 5, .datagrams_per_flow = 50, .size = 100,
                             .interval = std::chrono::milliseconds(2)});
  sim.run_until(at_ms(2000));
  std::string out;
  for (const auto& p : sim.trace()) out += format(p) + "\n";
  const auto up = traffic.upstream().total();
  const auto down = traffic.downstream().total();
  out += std::to_string(up.delivered) + "/" + std::to_string(up.reordered) + "/" + std::to_string(down.delivered) +
         "/" + std::to_string(sim.client().counters().packets_sent) + "/" +
         std::to_string(sim.server().counters().packets_sent);
  return out;
}

TEST(Simulation, SameSeedGivesTheSameRunAndAnotherSeedDoesNot) {
  const std::string a = fingerprint(11);
  EXPECT_EQ(a, fingerprint(11));
  EXPECT_NE(a, fingerprint(12));
}

}  // namespace
}  // namespace phantasm::memwire
