#include "engine/endpoint/tests/test_host.h"
#include "engine/wire/phantun_segments.h"
#include "engine/wire/tcp.h"

namespace phantasm::test {
namespace {

namespace flag = wire::tcp::flag;

// Builds a segment as if sent by the server on the established flow, with chosen seq/flags.
std::vector<uint8_t> from_server(const Pair& p, uint32_t seq, uint32_t ack, uint8_t flags, std::string payload = {}) {
  const auto flow = p.server->flows().at(0);
  wire::SegmentHeader h = wire::phantun::base(flow.info.tuple, seq, ack, flags);
  std::vector<uint8_t> buf(wire::kHeadroom + payload.size());
  std::copy(payload.begin(), payload.end(), buf.begin() + wire::kHeadroom);
  auto pkt = wire::emit_in_front(buf, wire::kHeadroom, payload.size(), h);
  return {pkt->begin(), pkt->end()};
}

Pair connected() {
  Pair p;
  p.send_from_app(kAppA, "hello");
  p.pump();
  return p;
}

TEST(Rst, AtRcvNxtEndsTheConnectionWithoutReplyAndTheClientReconnects) {
  Pair p = connected();
  const uint16_t old_port = p.client->flows()[0].info.tuple.local.port;
  p.client->on_network_packet(from_server(p, 1, 0, flag::kRst), p.now);
  EXPECT_TRUE(p.csink.packets.empty());
  EXPECT_EQ(p.client->counters().resets_received, 1u);
  EXPECT_EQ(p.client->flows()[0].state, ConnState::kBackoff);
  EXPECT_EQ(p.client->counters().traffic.paths_lost, 1u);
  // The flow (and the application's view of it) survives: a new handshake on a new port.
  p.client->on_timer(p.now);
  ASSERT_EQ(p.csink.packets.size(), 1u);
  EXPECT_EQ(p.csink.segment(0).flags, flag::kSyn);
  EXPECT_NE(p.csink.segment(0).src_port, old_port);
  EXPECT_EQ(p.csink.events.size(), 1u);  // opened once, never closed
}

TEST(Rst, AtRcvNxtClosesAServerFlowOfAPhantunClient) {
  Pair p;
  p.ccfg.compat = Compat::kPhantun;
  p.build();
  p.send_from_app(kAppA, "hello");
  p.pump();
  const auto flow = p.server->flows().at(0);
  std::vector<uint8_t> buf(100);
  auto pkt = wire::emit_bare(buf, wire::phantun::close_rst(flow.info.tuple.reversed(), flow.rcv_nxt));
  p.server->on_network_packet(*pkt, p.now);
  EXPECT_EQ(p.server->flow_count(), 0u);
  EXPECT_TRUE(p.ssink.packets.empty());
  EXPECT_EQ(p.ssink.events.back().reason, CloseReason::kResetByPeer);
}

TEST(Rst, InWindowGetsAChallengeAckAndAPhantunPeerThenClosesCleanly) {
  Pair p = connected();
  p.client->on_network_packet(from_server(p, 1 + 5000, 0, flag::kRst), p.now);
  EXPECT_EQ(p.client->flow_count(), 1u);
  ASSERT_EQ(p.csink.packets.size(), 1u);
  const auto challenge = p.csink.segment(0);
  EXPECT_EQ(challenge.flags, flag::kAck);
  EXPECT_EQ(challenge.ack, 1u);
  EXPECT_EQ(p.client->counters().drops[DropReason::kRstChallenged], 1u);
  // A second in-window RST right away is rate-limited: no second challenge ACK.
  p.client->on_network_packet(from_server(p, 1 + 6000, 0, flag::kRst), p.now);
  EXPECT_EQ(p.csink.packets.size(), 1u);
  // A peer that really closed answers the challenge with RST+ACK at our ack: that ends the
  // connection (and the client, its application still active, will connect again).
  p.client->on_network_packet(from_server(p, challenge.ack, challenge.seq, flag::kRst | flag::kAck), p.now);
  EXPECT_EQ(p.client->flows().at(0).state, ConnState::kBackoff);
  EXPECT_EQ(p.client->counters().resets_received, 1u);
}

TEST(Rst, OutOfWindowIsDroppedAndCounted) {
  Pair p = connected();
  p.client->on_network_packet(from_server(p, 1u + (1u << 31), 0, flag::kRst), p.now);
  EXPECT_EQ(p.client->flow_count(), 1u);
  EXPECT_TRUE(p.csink.packets.empty());
  EXPECT_EQ(p.client->counters().drops[DropReason::kRstOutOfWindow], 1u);
}

TEST(Rst, UnknownTupleGetsPhantunRstAckAndRstsAreNeverAnswered) {
  Pair p = connected();
  p.server->close_all(p.now);
  p.ssink.take();
  // The server no longer knows the tuple: the client's data gets RST+ACK.
  p.send_from_app(kAppA, "late");
  auto late = p.csink.take();
  ASSERT_EQ(late.size(), 1u);
  p.server->on_network_packet(late[0], p.now);
  ASSERT_EQ(p.ssink.packets.size(), 1u);
  const auto rst = p.ssink.segment(0);
  const auto data = wire::parse_packet(late[0]).value();
  EXPECT_EQ(rst.flags, flag::kRst | flag::kAck);
  EXPECT_EQ(rst.seq, data.ack);
  EXPECT_EQ(rst.ack, data.seq + 4u);
  EXPECT_EQ(p.server->counters().drops[DropReason::kNoConnection], 1u);
  // That RST ends the client's connection (its seq is the client's ack, i.e. its rcv_nxt).
  p.client->on_network_packet(p.ssink.take()[0], p.now);
  EXPECT_EQ(p.client->flows().at(0).state, ConnState::kBackoff);
  // A RST for an unknown tuple is dropped without reply.
  std::vector<uint8_t> buf(100);
  auto stray_rst = wire::emit_bare(buf, wire::phantun::close_rst(data.receiver_tuple().reversed(), 5));
  p.server->on_network_packet(*stray_rst, p.now);
  EXPECT_TRUE(p.ssink.packets.empty());
  EXPECT_EQ(p.server->counters().drops[DropReason::kNoConnection], 2u);
}

TEST(Rst, ReplyRateIsLimited) {
  Pair p;
  p.scfg.rst_unknown_per_second = 10;
  p.build();
  p.send_from_app(kAppA, "x");
  auto syn = p.csink.take()[0];
  p.server->on_network_packet(syn, p.now);
  p.pump();
  p.server->close_all(p.now);
  p.ssink.take();
  int replies = 0;
  for (int i = 0; i < 100; ++i) {
    p.send_from_app(kAppA, "y");
    for (auto& pkt : p.csink.take()) p.server->on_network_packet(pkt, p.now);
    replies += static_cast<int>(p.ssink.take().size());
  }
  EXPECT_EQ(replies, 10);
  EXPECT_EQ(p.server->counters().unknown_rsts_suppressed, 90u);
  // One second later the bucket has refilled.
  p.now = at(1s);
  p.send_from_app(kAppA, "z");
  for (auto& pkt : p.csink.take()) p.server->on_network_packet(pkt, p.now);
  EXPECT_EQ(p.ssink.take().size(), 1u);
}

TEST(Rst, NoRstUnknownStaysSilent) {
  Pair p;
  p.scfg.rst_unknown = false;
  p.build();
  p.send_from_app(kAppA, "x");
  p.pump();
  p.server->close_all(p.now);
  p.ssink.take();
  p.send_from_app(kAppA, "y");
  for (auto& pkt : p.csink.take()) p.server->on_network_packet(pkt, p.now);
  EXPECT_TRUE(p.ssink.packets.empty());
  EXPECT_EQ(p.server->counters().unknown_rsts_suppressed, 1u);
}

TEST(Segments, OutOfWindowDataAndAcksOfUnsentDataAreDropped) {
  Pair p = connected();
  p.client->on_network_packet(from_server(p, 1u + (1u << 31), 6, flag::kAck, "spoof"), p.now);
  EXPECT_EQ(p.client->counters().drops[DropReason::kDataOutOfWindow], 1u);
  p.client->on_network_packet(from_server(p, 1, 100000, flag::kAck, "spoof"), p.now);
  EXPECT_EQ(p.client->counters().drops[DropReason::kAckUnsent], 1u);
  p.client->on_network_packet(from_server(p, 1, 6u - (1u << 31), flag::kAck, "spoof"), p.now);
  EXPECT_EQ(p.client->counters().drops[DropReason::kAckTooOld], 1u);
  EXPECT_TRUE(p.csink.deliveries.empty());
  // Data within the window is delivered even after a gap (loss in flight).
  p.client->on_network_packet(from_server(p, 1 + 100000, 6, flag::kAck, "after a gap"), p.now);
  ASSERT_EQ(p.csink.deliveries.size(), 1u);
}

TEST(Segments, SynOnEstablishedFlowGetsChallengeAck) {
  Pair p = connected();
  p.client->on_network_packet(from_server(p, 12345, 0, flag::kSyn), p.now);
  ASSERT_EQ(p.csink.packets.size(), 1u);
  EXPECT_EQ(p.csink.segment(0).flags, flag::kAck);
  EXPECT_EQ(p.client->flow_count(), 1u);
  EXPECT_EQ(p.client->counters().drops[DropReason::kUnexpectedSegment], 1u);
}

}  // namespace
}  // namespace phantasm::test
