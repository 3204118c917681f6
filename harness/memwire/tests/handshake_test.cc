// The fake-TCP handshake over the wire when one of its segments is lost or late. The default
// path has 500 us one way (250 us per leg), so a round trip is 1 ms.
#include <gtest/gtest.h>

#include "harness/memwire/packet_filter.h"
#include "harness/memwire/simulation.h"
#include "harness/memwire/tests/sim_helpers.h"

namespace phantasm::memwire {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using testing::at_ms;
using testing::bytes;
using testing::Deliveries;

constexpr Duration kOneWay = microseconds(500);

struct HandshakeRun {
  explicit HandshakeRun(Middlebox box) : sim(config_with(std::move(box))) { got.attach(sim); }
  static SimulationConfig config_with(Middlebox box) {
    SimulationConfig c;
    c.middlebox = std::move(box);
    return c;
  }
  // Records when each server delivery happened.
  void time_deliveries() {
    sim.on_server_datagram = [this](FlowId f, std::span<const uint8_t> p) {
      got.at_server.emplace_back(f, std::vector<uint8_t>(p.begin(), p.end()));
      delivered_at.push_back(sim.now());
    };
  }
  Simulation sim;
  Deliveries got;
  std::vector<Time> delivered_at;
};

void expect_one_flow_each_side(const Simulation& sim) {
  EXPECT_EQ(sim.client().counters().flows_opened, 1u);
  EXPECT_EQ(sim.server().counters().flows_opened, 1u);
  EXPECT_EQ(sim.client().counters().handshakes_completed, 1u);
  EXPECT_EQ(sim.server().counters().handshakes_completed, 1u);
  EXPECT_EQ(sim.client().flow_count(), 1u);
  EXPECT_EQ(sim.server().flow_count(), 1u);
}

TEST(Handshake, CleanHandshakeDeliversTheFirstDatagramAfterOneRoundTripAndAHalf) {
  HandshakeRun r(nullptr);
  r.time_deliveries();
  r.sim.client_send(0, bytes("first"));
  r.sim.run_until(at_ms(50));
  ASSERT_EQ(r.got.at_server.size(), 1u);
  EXPECT_EQ(r.got.at_server[0].second, bytes("first"));
  EXPECT_EQ(r.delivered_at[0], Time::zero() + 3 * kOneWay);
  EXPECT_EQ(testing::flag_sequence(r.sim), (std::vector<std::string>{"c->s S", "s->c S.", "c->s .", "c->s ."}));
  expect_one_flow_each_side(r.sim);
  EXPECT_EQ(r.sim.client().counters().drops.total(), 0u);
  EXPECT_EQ(r.sim.server().counters().drops.total(), 0u);
}

TEST(Handshake, LostSynIsSentAgainAfterTheHandshakeTimeout) {
  HandshakeRun r(drop_nth(Direction::kClientToServer, is_syn, {1}));
  r.time_deliveries();
  r.sim.client_send(0, bytes("first"));
  r.sim.run_until(at_ms(3000));
  ASSERT_EQ(r.got.at_server.size(), 1u);
  EXPECT_EQ(r.got.at_server[0].second, bytes("first"));
  // Second SYN at 1 s (Phantun's timeout), then one round trip and a half.
  EXPECT_EQ(r.delivered_at[0], at_ms(1000) + 3 * kOneWay);
  EXPECT_EQ(r.sim.trace().at(1).at, at_ms(1000));
  EXPECT_EQ(r.sim.client().counters().handshake_retransmits, 1u);
  expect_one_flow_each_side(r.sim);
}

TEST(Handshake, DatagramsQueuedWhileTheSynIsLostAllArriveInOrder) {
  HandshakeRun r(drop_nth(Direction::kClientToServer, is_syn, {1}));
  for (int i = 0; i < 5; ++i) {
    r.sim.schedule(at_ms(100 * i), [&r, i] { r.sim.client_send(0, bytes(std::string("d").append(std::to_string(i)))); });
  }
  r.sim.run_until(at_ms(3000));
  ASSERT_EQ(r.got.at_server.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(r.got.at_server[i].second, bytes(std::string("d").append(std::to_string(i))));
}

TEST(Handshake, LostSynAckIsRecoveredByTheRetransmittedSyn) {
  HandshakeRun r(drop_nth(Direction::kServerToClient, is_syn_ack, {1}));
  r.time_deliveries();
  r.sim.client_send(0, bytes("first"));
  r.sim.run_until(at_ms(3000));
  ASSERT_EQ(r.got.at_server.size(), 1u);
  EXPECT_EQ(r.got.at_server[0].second, bytes("first"));
  EXPECT_EQ(r.delivered_at[0], at_ms(1000) + 3 * kOneWay);
  EXPECT_EQ(r.sim.client().counters().handshake_retransmits, 1u);
  expect_one_flow_each_side(r.sim);
}

TEST(Handshake, LostThirdAckIsReplacedByTheFirstDataSegment) {
  // The first pure ACK from the client is the handshake ACK; the data right behind it carries
  // the same acknowledgement and completes the handshake (Phantun's server would swallow it).
  HandshakeRun r(drop_nth(Direction::kClientToServer, is_pure_ack, {1}));
  r.sim.client_send(0, bytes("first"));
  r.sim.client_send(0, bytes("second"));
  r.sim.run_until(at_ms(3000));
  ASSERT_EQ(r.got.at_server.size(), 2u);
  EXPECT_EQ(r.got.at_server[0].second, bytes("first"));
  EXPECT_EQ(r.got.at_server[1].second, bytes("second"));
  expect_one_flow_each_side(r.sim);
  EXPECT_EQ(r.sim.server().counters().drops.total(), 0u);
}

TEST(Handshake, DataOvertakingTheHandshakeAckIsDelivered) {
  HandshakeRun r(hold_nth(Direction::kClientToServer, is_pure_ack, {1}, milliseconds(2)));
  r.time_deliveries();
  r.sim.client_send(0, bytes("first"));
  std::vector<bool> ack_arrived_after_data;
  size_t data_seen = 0;
  r.sim.on_arrival = [&](Direction dir, std::span<const uint8_t> p) {
    if (dir != Direction::kClientToServer) return;
    if (is_data(p)) ++data_seen;
    if (is_pure_ack(p)) ack_arrived_after_data.push_back(data_seen > 0);
  };
  r.sim.run_until(at_ms(3000));
  ASSERT_EQ(r.got.at_server.size(), 1u);
  EXPECT_EQ(r.got.at_server[0].second, bytes("first"));
  EXPECT_EQ(r.delivered_at[0], Time::zero() + 3 * kOneWay);
  ASSERT_FALSE(ack_arrived_after_data.empty());
  EXPECT_TRUE(ack_arrived_after_data[0]);  // the reordering really happened
  expect_one_flow_each_side(r.sim);
  // The late handshake ACK is an ordinary pure ACK by then: nothing is dropped.
  EXPECT_EQ(r.sim.server().counters().drops.total(), 0u);
}

}  // namespace
}  // namespace phantasm::memwire
