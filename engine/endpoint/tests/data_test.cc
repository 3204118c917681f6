#include "engine/core/rng.h"
#include "engine/endpoint/tests/test_host.h"
#include "engine/wire/tcp.h"

namespace phantasm::test {
namespace {

namespace flag = wire::tcp::flag;

// A connected pair with one flow; returns the server's flow id.
FlowId connect(Pair& p) {
  p.send_from_app(kAppA, "hello");
  p.pump();
  return p.server_flow();
}

void reply(Pair& p, FlowId flow, const std::string& payload) {
  Datagram d(payload);
  p.server->on_udp_datagram(flow, d.buffer(), p.now);
}

TEST(Data, SegmentsCarryTheDatagramVerbatimWithAdvancingSeq) {
  Pair p;
  const FlowId sflow = connect(p);
  p.send_from_app(kAppA, "abc");
  p.send_from_app(kAppA, "defgh");
  ASSERT_EQ(p.csink.packets.size(), 2u);
  const auto a = p.csink.segment(0);
  const auto b = p.csink.segment(1);
  EXPECT_EQ(a.flags, flag::kAck);
  EXPECT_EQ(a.seq, 1u + 5u);  // after "hello"
  EXPECT_EQ(b.seq, a.seq + 3u);
  EXPECT_EQ(a.ack, 1u);       // server ISN 0 + SYN
  EXPECT_EQ(p.csink.packets[0].size(), 40u + 3u);  // 12 bytes more than UDP's 28
  EXPECT_EQ(text({a.payload.begin(), a.payload.end()}), "abc");
  p.pump();
  reply(p, sflow, "pong");
  const auto r = p.ssink.last();
  EXPECT_EQ(r.seq, 1u);
  EXPECT_EQ(r.ack, 1u + 5u + 3u + 5u);
  p.pump();
  ASSERT_EQ(p.csink.deliveries.size(), 1u);
  EXPECT_EQ(text(p.csink.deliveries[0].payload), "pong");
  EXPECT_EQ(p.csink.deliveries[0].flow, *p.client->find_flow(kAppA));
}

TEST(Data, SizesFromOneByteToTheMaximumArriveIntact) {
  Pair p;
  connect(p);
  Rng rng(7);
  for (size_t size : {size_t{1}, size_t{2}, size_t{1399}, size_t{1400}, size_t{1460}, size_t{9000}, size_t{65535 - 60}}) {
    std::vector<uint8_t> payload(size);
    for (auto& b : payload) b = static_cast<uint8_t>(rng.next_u32());
    Datagram d(payload);
    p.client->on_udp_datagram(kAppA, d.buffer(), p.now);
    p.pump();
    ASSERT_EQ(p.ssink.deliveries.back().payload, payload) << size;
  }
  EXPECT_EQ(p.client->counters().drops.total(), 0u);
}

TEST(Data, EmptyAndOversizeDatagramsAreCountedNotSent) {
  Pair p;
  connect(p);
  Datagram empty(std::vector<uint8_t>{});
  p.client->on_udp_datagram(kAppA, empty.buffer(), p.now);
  Datagram huge(std::vector<uint8_t>(65535 - 59));
  p.client->on_udp_datagram(kAppA, huge.buffer(), p.now);
  EXPECT_TRUE(p.csink.packets.empty());
  EXPECT_EQ(p.client->counters().drops[DropReason::kEmptyDatagram], 1u);
  EXPECT_EQ(p.client->counters().drops[DropReason::kDatagramTooLarge], 1u);
  EXPECT_EQ(p.client->counters().datagrams_received, 3u);
}

TEST(Data, ReorderedAndDuplicatedSegmentsAreDeliveredAsTheyArrive) {
  Pair p;
  connect(p);
  for (const char* s : {"1", "22", "333"}) p.send_from_app(kAppA, s);
  auto out = p.csink.take();
  p.server->on_network_packet(out[2], p.now);
  p.server->on_network_packet(out[0], p.now);
  p.server->on_network_packet(out[0], p.now);
  p.server->on_network_packet(out[1], p.now);
  ASSERT_EQ(p.ssink.deliveries.size(), 5u);  // "hello" + 4
  EXPECT_EQ(text(p.ssink.deliveries[1].payload), "333");
  EXPECT_EQ(text(p.ssink.deliveries[2].payload), "1");
  EXPECT_EQ(text(p.ssink.deliveries[3].payload), "1");
  EXPECT_EQ(text(p.ssink.deliveries[4].payload), "22");
  // rcv_nxt is the highest seq + len seen: reordering never moves it back.
  EXPECT_EQ(p.server->flows()[0].rcv_nxt, 1u + 5u + 1u + 2u + 3u);
}

TEST(Data, OneWayFlowGetsPureAcksBeforeAnUnscaledWindowRunsOut) {
  Pair p;
  connect(p);
  p.ssink.take();
  const std::string chunk(1400, 'x');
  uint32_t max_unacked = 0;
  uint32_t last_ack = 0;
  uint32_t sent_end = 1 + 5;
  for (int i = 0; i < 1000; ++i) {
    p.send_from_app(kAppA, chunk);
    sent_end += 1400;
    for (auto& pkt : p.csink.take()) p.server->on_network_packet(pkt, p.now);
    for (auto& pkt : p.ssink.take()) {
      auto s = wire::parse_packet(pkt);
      ASSERT_TRUE(s);
      EXPECT_EQ(s->flags, flag::kAck);
      EXPECT_TRUE(s->payload.empty());
      EXPECT_LE(s->ack, sent_end);  // never acknowledge data not received
      last_ack = s->ack;
      p.client->on_network_packet(pkt, p.now);
    }
    max_unacked = std::max(max_unacked, sent_end - std::max(last_ack, 1u));
  }
  // A conntrack that saw no window scaling allows 65535 bytes beyond the last ACK.
  EXPECT_LT(max_unacked, 65535u);
  EXPECT_GT(p.server->counters().traffic.pure_acks_sent, 30u);
  EXPECT_EQ(p.client->counters().traffic.pure_acks_received, p.server->counters().traffic.pure_acks_sent);
}

TEST(Data, TrailingDataIsAcknowledgedAfterTheAckDelay) {
  Pair p;
  connect(p);
  p.ssink.take();
  p.send_from_app(kAppA, "tail");
  for (auto& pkt : p.csink.take()) p.server->on_network_packet(pkt, p.now);
  EXPECT_TRUE(p.ssink.packets.empty());
  EXPECT_EQ(p.server->next_deadline(), at(200ms));
  p.server->on_timer(at(200ms));
  ASSERT_EQ(p.ssink.packets.size(), 1u);
  EXPECT_EQ(p.ssink.segment(0).ack, 1u + 5u + 4u);
}

TEST(Data, IdleFlowsExpireAfter180sOfNoDatagramsAndPureAcksDoNotCount) {
  Pair p;
  const FlowId sflow = connect(p);
  reply(p, sflow, "pong");
  p.pump();
  // The client acknowledges "pong" after its ACK delay; the pure ACK reaches the server late.
  p.client->on_timer(at(200ms));
  auto acks = p.csink.take();
  ASSERT_EQ(acks.size(), 1u);
  p.server->on_network_packet(acks[0], at(100s));
  EXPECT_EQ(p.server->counters().traffic.pure_acks_received, 1u);  // the handshake ACK is not counted
  p.server->on_timer(at(179s));
  EXPECT_EQ(p.server->flow_count(), 1u);
  p.server->on_timer(at(180s));
  EXPECT_EQ(p.server->flow_count(), 0u);
  EXPECT_EQ(p.ssink.last().flags, flag::kRst);
  EXPECT_EQ(p.ssink.last().ack, 0u);
  EXPECT_EQ(p.ssink.events.back().reason, CloseReason::kIdle);
  EXPECT_EQ(p.server->counters().flows_closed, 1u);
  // The client, idle as long, closes too (and would have sent its own RST).
  p.client->on_network_packet(p.ssink.packets.back(), at(180s));
  p.client->on_timer(at(180s));
  EXPECT_EQ(p.client->flow_count(), 0u);
  EXPECT_EQ(p.csink.events.back().reason, CloseReason::kIdle);
}

}  // namespace
}  // namespace phantasm::test
