// Loss, reordering and duplication pass through the tunnel exactly as the network delivered
// them: the engine neither hides (retransmits, reorders, deduplicates) nor adds anything. Each
// endpoint's input is tapped, and the datagrams its application got must be exactly the
// payloads of the data segments that reached it, in arrival order.
#include <gtest/gtest.h>

#include "engine/wire/packet.h"
#include "harness/memwire/probe_traffic.h"
#include "harness/memwire/simulation.h"
#include "harness/memwire/tests/sim_helpers.h"

namespace phantasm::memwire {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using testing::at_ms;

using Payloads = std::vector<std::vector<uint8_t>>;

struct Case {
  const char* name;
  LinkConfig link;
};

class Impairments : public ::testing::TestWithParam<Case> {};

TEST_P(Impairments, DatagramsArriveExactlyAsTheirSegmentsDid) {
  const Case& c = GetParam();
  SimulationConfig config;
  config.seed = 2024;
  config.client_leg = LegConfig::symmetric(c.link);
  Simulation sim(config);

  // Taps: payloads of data segments as they reach each endpoint.
  std::array<Payloads, 2> arrived;
  sim.on_arrival = [&](Direction dir, std::span<const uint8_t> packet) {
    const auto seg = wire::parse_packet(packet);
    ASSERT_TRUE(seg) << to_string(seg.error());
    if (!seg->payload.empty()) arrived[index(dir)].emplace_back(seg->payload.begin(), seg->payload.end());
  };
  ProbeTraffic traffic(sim, {.flows = 8, .datagrams_per_flow = 250, .size = 120, .interval = milliseconds(1)});
  // Wrap the observers ProbeTraffic installed, to record what the applications got.
  std::array<Payloads, 2> delivered;
  auto to_server = sim.on_server_datagram;
  sim.on_server_datagram = [&](FlowId f, std::span<const uint8_t> p) {
    delivered[index(Direction::kClientToServer)].emplace_back(p.begin(), p.end());
    to_server(f, p);
  };
  auto to_client = sim.on_client_datagram;
  sim.on_client_datagram = [&](size_t peer, std::span<const uint8_t> p) {
    delivered[index(Direction::kServerToClient)].emplace_back(p.begin(), p.end());
    to_client(peer, p);
  };
  // Long enough for a handshake that lost its first SYN or SYN-ACK (retried after 1 s) to send
  // what it queued.
  sim.run_until(traffic.last_send() + std::chrono::seconds(3));

  for (Direction dir : {Direction::kClientToServer, Direction::kServerToClient}) {
    SCOPED_TRACE(std::string(to_string(dir)));
    EXPECT_EQ(delivered[index(dir)].size(), arrived[index(dir)].size());
    EXPECT_TRUE(delivered[index(dir)] == arrived[index(dir)]) << "deliveries differ from arrivals";
  }

  // The probes' own books agree, and show that the impairments really happened.
  const ProbeCounts up = traffic.upstream().total();
  const ProbeCounts down = traffic.downstream().total();
  EXPECT_EQ(up.delivered, arrived[index(Direction::kClientToServer)].size());
  EXPECT_EQ(down.delivered, arrived[index(Direction::kServerToClient)].size());
  EXPECT_EQ(up.corrupted + down.corrupted, 0u);
  EXPECT_EQ(up.misrouted + down.misrouted, 0u);
  EXPECT_EQ(traffic.server_flow_mixups(), 0u);
  EXPECT_EQ(sim.timer_stalls(), 0u);
  // Every datagram the client application sent is either on the wire or a counted drop: a
  // full handshake queue (16 datagrams wait for a slow handshake) or a handshake that failed
  // (three SYNs or SYN-ACKs lost) with datagrams queued.
  const EndpointCounters& client = sim.client().counters();
  const EndpointCounters& server = sim.server().counters();
  const uint64_t not_sent =
      client.drops[DropReason::kPendingQueueFull] + client.drops[DropReason::kHandshakeFailed];
  EXPECT_EQ(up.sent, client.traffic.datagrams_sent + not_sent);
  EXPECT_EQ(client.drops.total(), not_sent) << testing::describe(client.drops);
  EXPECT_EQ(server.drops.total(), 0u) << testing::describe(server.drops);
  EXPECT_EQ(down.sent, server.traffic.datagrams_sent);
  EXPECT_EQ(down.sent, up.delivered);  // the server answers every probe it gets, duplicates too

  const LinkStats& link = sim.link(Side::kClient, Direction::kClientToServer).stats();
  if (c.link.loss == 0 && c.link.rate_bps == 0) {
    // Nothing lost on the wire: every segment sent arrived, and every probe was answered.
    EXPECT_EQ(up.unique, client.traffic.datagrams_sent);
    EXPECT_EQ(down.unique, server.traffic.datagrams_sent);
  } else {
    EXPECT_GT(link.lost + link.queue_dropped, 0u);
    EXPECT_LT(up.unique, client.traffic.datagrams_sent);
  }
  if (c.link.duplicate > 0) {
    EXPECT_GT(up.duplicated, 0u);
    EXPECT_GT(down.duplicated, 0u);
  } else {
    EXPECT_EQ(up.duplicated + down.duplicated, 0u);
  }
  if (c.link.jitter > Duration{0}) {
    EXPECT_GT(up.reordered, 0u);
    EXPECT_GT(down.reordered, 0u);
  } else {
    EXPECT_EQ(up.reordered + down.reordered, 0u);
  }
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

INSTANTIATE_TEST_SUITE_P(
    Links, Impairments,
    ::testing::Values(Case{"clean", {.delay = milliseconds(5)}},
                      Case{"loss_10pc", {.delay = milliseconds(5), .loss = 0.10}},
                      Case{"jitter_reorders", {.delay = milliseconds(5), .jitter = milliseconds(4)}},
                      Case{"duplicates_5pc", {.delay = milliseconds(5), .duplicate = 0.05}},
                      Case{"all_at_once",
                           {.delay = milliseconds(5), .jitter = milliseconds(3), .loss = 0.05, .duplicate = 0.03}},
                      Case{"rate_limited_queue",
                           {.delay = milliseconds(5), .rate_bps = 4'000'000, .queue_bytes = 3000}}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace phantasm::memwire
