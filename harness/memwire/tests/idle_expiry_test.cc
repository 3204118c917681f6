// Idle expiry (Phantun's 180 s): a flow closes when no datagram went either way for 180 s.
// Keepalives and pure ACKs do not count; a datagram in either direction does.
#include <gtest/gtest.h>

#include "harness/memwire/simulation.h"
#include "harness/memwire/tests/sim_helpers.h"

namespace phantasm::memwire {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;
using testing::at_s;
using testing::bytes;

constexpr Duration kOneWay = microseconds(500);

std::optional<FlowEvent> first_close(const Simulation& sim, Side side) {
  for (const auto& e : sim.flow_events()) {
    if (e.side == side && !e.opened) return e;
  }
  return std::nullopt;
}

TEST(IdleExpiry, FlowClosesOneHundredEightySecondsAfterTheLastDatagram) {
  Simulation sim({});
  sim.client_send(0, bytes("only one"));
  sim.run_until(at_s(179) + microseconds(999999));
  EXPECT_EQ(sim.client().flow_count(), 1u);
  EXPECT_EQ(sim.server().flow_count(), 1u);
  EXPECT_FALSE(first_close(sim, Side::kClient));
  // Keepalives went both ways meanwhile, and they did not keep the flow alive.
  EXPECT_GT(sim.client().counters().traffic.keepalives_sent + sim.server().counters().traffic.keepalives_sent, 0u);

  sim.run_until(at_s(181));
  // The client's datagram waited for the handshake and left at t = 1 ms (one round trip); the
  // server delivered it at 1.5 ms. Each side closes 180 s after its own last datagram. (The
  // client's RST reaches the server at the same instant; a Phantasm server keeps a reset
  // flow's session for its client to come back, so the flow still ends by idling out.)
  const auto client_close = first_close(sim, Side::kClient);
  ASSERT_TRUE(client_close);
  EXPECT_EQ(client_close->at, at_s(180) + 2 * kOneWay);
  EXPECT_EQ(client_close->reason, CloseReason::kIdle);
  const auto server_close = first_close(sim, Side::kServer);
  ASSERT_TRUE(server_close);
  EXPECT_EQ(server_close->at, at_s(180) + 3 * kOneWay);
  EXPECT_EQ(server_close->reason, CloseReason::kIdle);
  EXPECT_EQ(sim.client().flow_count(), 0u);
  EXPECT_EQ(sim.server().flow_count(), 0u);
  EXPECT_EQ(sim.timer_stalls(), 0u);
}

TEST(IdleExpiry, DatagramsEitherWayKeepTheFlowOpen) {
  Simulation sim({});
  FlowId server_flow;
  sim.on_server_datagram = [&](FlowId f, std::span<const uint8_t>) { server_flow = f; };
  sim.client_send(0, bytes("t=0"));
  // The client sends at 0 and 100 s; the server answers alone at 250 s.
  sim.schedule(at_s(100), [&] { sim.client_send(0, bytes("t=100")); });
  sim.schedule(at_s(250), [&] { sim.server_send(server_flow, bytes("t=250")); });
  sim.run_until(at_s(429));
  EXPECT_FALSE(first_close(sim, Side::kClient));
  EXPECT_FALSE(first_close(sim, Side::kServer));
  sim.run_until(at_s(500));
  // Last datagram: sent by the server at 250 s, delivered to the client half a millisecond later.
  const auto server_close = first_close(sim, Side::kServer);
  const auto client_close = first_close(sim, Side::kClient);
  ASSERT_TRUE(server_close);
  ASSERT_TRUE(client_close);
  EXPECT_EQ(server_close->at, at_s(430));
  EXPECT_EQ(server_close->reason, CloseReason::kIdle);
  EXPECT_EQ(client_close->at, at_s(430) + kOneWay);
}

TEST(IdleExpiry, NextDatagramAfterExpiryOpensAFreshConnection) {
  Simulation sim({});
  std::vector<std::vector<uint8_t>> got;
  sim.on_server_datagram = [&](FlowId, std::span<const uint8_t> p) { got.emplace_back(p.begin(), p.end()); };
  sim.client_send(0, bytes("before"));
  sim.run_until(at_s(200));
  sim.client_send(0, bytes("after"));
  sim.run_until(at_s(201));
  EXPECT_EQ(got, (std::vector<std::vector<uint8_t>>{bytes("before"), bytes("after")}));
  EXPECT_EQ(sim.client().counters().flows_opened, 2u);
  EXPECT_EQ(sim.server().counters().flows_opened, 2u);
  const auto flows = sim.client().flows();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_NE(flows[0].info.tuple.local.port, sim.flow_events().front().info.tuple.local.port);
}

}  // namespace
}  // namespace phantasm::memwire
