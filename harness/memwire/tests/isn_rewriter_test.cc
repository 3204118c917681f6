// An ISN-randomising firewall (Cisco ASA "TCP sequence randomization", middleboxes.md §C.5)
// shifts each side's sequence numbers by a constant and translates the acknowledgements back.
// Phantun's server refuses the client's shifted SYN (seq != 0); ours accepts any ISN, and data
// flows both ways with every number translated. Conntrack-like checkers on both sides of the
// firewall see consistent connections.
#include <gtest/gtest.h>

#include "harness/memwire/probe_traffic.h"
#include "harness/memwire/seq_offset_rewriter.h"
#include "harness/memwire/simulation.h"
#include "harness/memwire/tests/sim_helpers.h"
#include "harness/memwire/window_checker.h"

namespace phantasm::memwire {
namespace {

using std::chrono::milliseconds;

class IsnRandomiser : public ::testing::TestWithParam<bool> {};

TEST_P(IsnRandomiser, HandshakeAndDataSurviveSequenceTranslationBothWays) {
  const bool server_randomises = GetParam();
  auto rewriter = std::make_shared<SeqOffsetRewriter>(SeqOffsets{.client = 0x8F3A11C5, .server = 0x40000001});
  auto client_side = std::make_shared<WindowChecker>();
  auto server_side = std::make_shared<WindowChecker>();
  SimulationConfig config;
  config.server.randomize_server_isn = server_randomises;
  config.middlebox = chain({shared(client_side), shared(rewriter), shared(server_side)});
  Simulation sim(config);
  std::vector<uint32_t> syn_seqs_at_server;
  sim.on_arrival = [&](Direction dir, std::span<const uint8_t> p) {
    const auto t = trace_packet(sim.now(), dir, p);
    if (dir == Direction::kClientToServer && t.flags == wire::tcp::flag::kSyn) syn_seqs_at_server.push_back(t.seq);
  };
  ProbeTraffic traffic(sim, {.flows = 4, .datagrams_per_flow = 200, .size = 300, .interval = milliseconds(2)});
  sim.run_until(traffic.last_send() + milliseconds(100));

  // The client sent ISN 0 (for Phantun servers); the server saw it shifted and accepted it.
  ASSERT_EQ(syn_seqs_at_server.size(), 4u);
  for (uint32_t seq : syn_seqs_at_server) EXPECT_EQ(seq, 0x8F3A11C5u);
  const ProbeCounts up = traffic.upstream().total();
  const ProbeCounts down = traffic.downstream().total();
  EXPECT_EQ(up.sent, 800u);
  EXPECT_EQ(up.unique, 800u);
  EXPECT_EQ(down.unique, 800u);
  EXPECT_EQ(up.corrupted + down.corrupted, 0u);
  EXPECT_EQ(sim.client().counters().handshakes_completed, 4u);
  EXPECT_EQ(sim.server().counters().handshakes_completed, 4u);
  // A mistranslated acknowledgement would show up as ack-unsent or bad-handshake-ack drops.
  EXPECT_EQ(sim.client().counters().drops.total(), 0u) << testing::describe(sim.client().counters().drops);
  EXPECT_EQ(sim.server().counters().drops.total(), 0u) << testing::describe(sim.server().counters().drops);
  EXPECT_EQ(rewriter->not_tcp(), 0u);
  for (const auto* checker : {client_side.get(), server_side.get()}) {
    EXPECT_EQ(checker->stats().invalid, 0u) << (checker->log().empty() ? "" : checker->log().front());
    EXPECT_EQ(checker->stats().ignored, 0u) << (checker->log().empty() ? "" : checker->log().front());
    EXPECT_EQ(checker->connections().size(), 4u);
  }
}

INSTANTIATE_TEST_SUITE_P(ServerIsn, IsnRandomiser, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "random" : "zero"; });

}  // namespace
}  // namespace phantasm::memwire
