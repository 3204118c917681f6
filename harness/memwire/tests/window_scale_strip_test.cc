// A middlebox strips Window Scale from the handshake (middleboxes.md §C.7, §C.8), so a
// conntrack box between the ends tracks unscaled 64 KiB windows. A one-way transfer of 100 MB
// must stay inside them: the receiver sends a pure ACK every 32 KiB of unacknowledged data
// (Phantun's 128 MiB rule would be INVALID after ~128 KiB). The window checker must count zero
// INVALID (and zero IGNORED: not even the kernel's one-window overshoot tolerance is used).
//
// Size of the run: 71,429 datagrams of 1400 bytes (100,000,600 bytes) at 100 Mbit/s of
// payload, 8 s of virtual time, one flow. 1400-byte datagrams keep the per-packet cost of a
// Debug build low enough (a few seconds) while matching a real tunnel's packet size.
#include <gtest/gtest.h>

#include "harness/memwire/packet_filter.h"
#include "harness/memwire/probe_traffic.h"
#include "harness/memwire/simulation.h"
#include "harness/memwire/tests/sim_helpers.h"
#include "harness/memwire/window_checker.h"
#include "harness/memwire/window_scale_stripper.h"

namespace phantasm::memwire {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

struct StripCase {
  const char* name;
  StripWindowScale strip;
};

void PrintTo(const StripCase& c, std::ostream* os) { *os << c.name; }

class WindowScaleStripped : public ::testing::TestWithParam<StripCase> {};

TEST_P(WindowScaleStripped, HundredMegabytesOneWayStayInsideTheUnscaledWindow) {
  constexpr size_t kSize = 1400;
  constexpr size_t kDatagrams = 71429;
  const StripWindowScale strip = GetParam().strip;
  // The option disappears on the sender's side of the checker: the client's SYN between client
  // and checker, the server's SYN-ACK between server and checker. The checker therefore sees
  // what the far end sees.
  auto near_client = std::make_shared<WindowScaleStripper>(StripWindowScale{strip.from_syn, false});
  auto near_server = std::make_shared<WindowScaleStripper>(StripWindowScale{false, strip.from_syn_ack});
  auto checker = std::make_shared<WindowChecker>();
  SimulationConfig config;
  config.middlebox = chain({shared(near_client), shared(checker), shared(near_server)});
  Simulation sim(config);
  // 1400 bytes every 112 us: 100 Mbit/s; with a 1 ms round trip about 12.5 KB are in flight.
  ProbeTraffic traffic(sim, {.flows = 1, .datagrams_per_flow = kDatagrams, .size = kSize,
                             .interval = microseconds(112), .server_replies = false});
  sim.run_until(traffic.last_send() + milliseconds(500));

  const ProbeCounts up = traffic.upstream().total();
  EXPECT_EQ(up.sent, kDatagrams);
  EXPECT_EQ(up.unique, kDatagrams);
  EXPECT_EQ(up.corrupted, 0u);
  EXPECT_GE(sim.server().counters().traffic.bytes_delivered, 100'000'000u);

  const WindowCheckerStats& s = checker->stats();
  EXPECT_EQ(s.invalid, 0u) << (checker->log().empty() ? "" : checker->log().front());
  EXPECT_EQ(s.ignored, 0u) << (checker->log().empty() ? "" : checker->log().front());
  ASSERT_EQ(checker->connections().size(), 1u);
  const std::vector<TrackedConnection> conns = checker->connections();
  const TrackedConnection& conn = conns[0];
  EXPECT_EQ(conn.side[0].td_scale, 0);  // scaling really was off for the tracker
  EXPECT_EQ(conn.side[1].td_scale, 0);
  EXPECT_LE(conn.side[1].td_maxwin, 65535u);
  EXPECT_EQ(near_client->stripped() + near_server->stripped(), (strip.from_syn ? 1u : 0u) + (strip.from_syn_ack ? 1u : 0u));

  // The receiver acknowledged every 32 KiB: 24 datagrams of 1400 bytes reach 33,600 bytes.
  const uint64_t pure_acks = sim.server().counters().traffic.pure_acks_sent;
  EXPECT_GE(pure_acks, kDatagrams / 24);
  EXPECT_LE(pure_acks, kDatagrams / 24 + 2);
  EXPECT_EQ(sim.client().counters().traffic.sent_beyond_peer_window, 0u);
}

INSTANTIATE_TEST_SUITE_P(Strip, WindowScaleStripped,
                         ::testing::Values(StripCase{"both", {.from_syn = true, .from_syn_ack = true}},
                                           StripCase{"syn_only", {.from_syn = true, .from_syn_ack = false}},
                                           StripCase{"syn_ack_only", {.from_syn = false, .from_syn_ack = true}}),
                         [](const ::testing::TestParamInfo<StripCase>& p) { return std::string(p.param.name); });

// The same path with the receiver's pure ACKs removed (what a peer that acknowledges only
// every 128 MiB looks like to the middlebox): the checker must catch it, or the zero above
// would prove nothing.
TEST(WindowScaleStripped, WithoutPureAcksTheSenderDropsRatherThanGoInvalid) {
  auto checker = std::make_shared<WindowChecker>();
  SimulationConfig config;
  std::set<uint64_t> every_ack;
  for (uint64_t n = 1; n <= 100000; ++n) every_ack.insert(n);
  config.middlebox = chain({shared(std::make_shared<WindowScaleStripper>()), shared(checker),
                            drop_nth(Direction::kServerToClient, is_pure_ack, every_ack)});
  Simulation sim(config);
  ProbeTraffic traffic(sim, {.flows = 1, .datagrams_per_flow = 200, .size = 1000,
                             .interval = microseconds(100), .server_replies = false});
  sim.run_until(traffic.last_send() + milliseconds(100));
  // Segment k of 1000 bytes ends at 1 + 1000 (k + 1): 65 fit the 65535-byte window, 66 more
  // fit the kernel's overshoot tolerance; the client, which saw the SYN-ACK without window
  // scale, drops the remaining 69 (counted) instead of sending segments a conntrack would mark
  // INVALID (the checker alone would see exactly those 69 as INVALID: window_checker_test).
  EXPECT_EQ(checker->stats().accepted, 3u + 65u);  // SYN, SYN-ACK, handshake ACK, 65 segments
  EXPECT_EQ(checker->stats().ignored, 66u);
  EXPECT_EQ(checker->stats().invalid, 0u);
  EXPECT_EQ(sim.client().counters().drops[DropReason::kPeerWindowFull], 69u);
}

}  // namespace
}  // namespace phantasm::memwire
