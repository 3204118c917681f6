// Hostile input at the engine's edge: floods and blind injection cost bounded state, are
// counted, and never disturb an established flow.
#include "engine/core/rng.h"
#include "engine/endpoint/tests/test_host.h"
#include "engine/wire/phantun_segments.h"

namespace phantasm::test {
namespace {

namespace flag = wire::tcp::flag;

std::vector<uint8_t> segment_from(const FourTuple& sender_view, uint32_t seq, uint32_t ack, uint8_t flags,
                                  const std::string& payload = {}) {
  std::vector<uint8_t> buf(wire::kHeadroom + payload.size());
  std::copy(payload.begin(), payload.end(), buf.begin() + wire::kHeadroom);
  auto pkt = wire::emit_in_front(buf, wire::kHeadroom, payload.size(), wire::phantun::base(sender_view, seq, ack, flags));
  return {pkt->begin(), pkt->end()};
}

TEST(Hostile, SynFloodFromRandomSourcesIsBoundedAndEstablishedFlowsKeepFlowing) {
  Pair p;
  p.send_from_app(kAppA, "established");
  p.pump();
  const FlowId flow = p.server_flow();
  Rng rng(99);
  const size_t limit = p.scfg.max_half_open;
  for (int i = 0; i < 100000; ++i) {
    const FourTuple attacker{{IpAddress::v4(0x0A000000u | (rng.next_u32() & 0x00FFFFFFu)),
                              static_cast<uint16_t>(1024 + rng.uniform(0, 60000))},
                             kServerAddr};
    p.server->on_network_packet(segment_from(attacker, rng.next_u32(), 0, flag::kSyn), p.now);
    ASSERT_LE(p.server->half_open_count(), limit);
    if (i % 10000 == 0) {
      // The established flow still carries datagrams both ways in the middle of the flood.
      p.ssink.take();
      p.send_from_app(kAppA, "during");
      for (auto& pkt : p.csink.take()) p.server->on_network_packet(pkt, p.now);
      EXPECT_EQ(text(p.ssink.deliveries.back().payload), "during");
      Datagram reply(std::string("back"));
      p.server->on_udp_datagram(flow, reply.buffer(), p.now);
      for (auto& pkt : p.ssink.take()) p.client->on_network_packet(pkt, p.now);
      EXPECT_EQ(text(p.csink.deliveries.back().payload), "back");
    }
    if (i % 1000 == 999) {
      p.now = p.now + 100ms;
      p.server->on_timer(p.now);
    }
  }
  const auto& c = p.server->counters();
  EXPECT_EQ(c.drops[DropReason::kHalfOpenLimit] + c.handshakes_started, 100000u + 1u);
  EXPECT_GT(c.drops[DropReason::kHalfOpenLimit], 0u);
  EXPECT_LE(p.server->flow_count(), limit + 1);
  // Abandoned half-open connections go after their three SYN-ACKs.
  for (int s = 0; s < 5; ++s) {
    p.now = p.now + 1s;
    p.server->on_timer(p.now);
  }
  EXPECT_EQ(p.server->half_open_count(), 0u);
}

TEST(Hostile, BlindInjectionWithRandomSequenceNumbersRarelyLandsAndNeverResets) {
  Pair p;
  p.send_from_app(kAppA, "hello");
  p.pump();
  const auto flow = p.client->flows().at(0);
  const FourTuple server_view = flow.info.tuple.reversed();
  Rng rng(5);
  const int trials = 20000;
  for (int i = 0; i < trials; ++i) {
    p.client->on_network_packet(segment_from(server_view, rng.next_u32(), rng.next_u32(), flag::kAck, "spoofed"), p.now);
    p.client->on_network_packet(segment_from(server_view, rng.next_u32(), rng.next_u32(), flag::kRst), p.now);
  }
  // Accepted spoofed data needs both numbers inside their windows: ahead 2^30 + behind 2^24 of
  // 2^32 for seq, and 2^30 of 2^32 for ack: about 6 %. A blind RST closes only at exactly
  // rcv_nxt (1 in 2^32); the rest draw rate-limited challenge ACKs or are dropped.
  const double landed = static_cast<double>(p.csink.deliveries.size()) / trials;
  EXPECT_GT(landed, 0.04);
  EXPECT_LT(landed, 0.08);
  EXPECT_EQ(p.client->counters().resets_received, 0u);
  EXPECT_EQ(p.client->flows().at(0).state, ConnState::kEstablished);
  EXPECT_LE(p.client->counters().traffic.challenge_acks_sent, 1u);  // the clock did not move
}

TEST(Hostile, StraySegmentsAndScansDoNotGrowState) {
  Pair p;
  Rng rng(11);
  for (int i = 0; i < 5000; ++i) {
    const FourTuple scanner{{IpAddress::v4(0x0A000000u | (rng.next_u32() & 0xFFFF)), 40000},
                            {kServerAddr.ip, static_cast<uint16_t>(1 + rng.uniform(0, 65534))}};
    const uint8_t flags = std::array<uint8_t, 4>{flag::kAck, flag::kRst, flag::kFin | flag::kAck, flag::kSyn | flag::kAck}[i % 4];
    p.server->on_network_packet(segment_from(scanner, rng.next_u32(), rng.next_u32(), flags), p.now);
  }
  EXPECT_EQ(p.server->flow_count(), 0u);
  // Replies are rate-limited (100 per second by default): a scan cannot make us a reflector.
  EXPECT_LE(p.ssink.packets.size(), 100u);
  EXPECT_EQ(p.server->counters().drops.total(), 5000u);
}

}  // namespace
}  // namespace phantasm::test
