#include "harness/traffic/format/traffic_receiver.h"

#include <gtest/gtest.h>

#include <vector>

namespace phantasm::traffic {
namespace {

std::vector<uint8_t> datagram(uint32_t session, uint32_t flow, uint64_t seq, size_t size = 64,
                              DatagramKind kind = DatagramKind::data) {
  std::vector<uint8_t> bytes(size);
  write_datagram({kind, session, flow, seq, 0}, bytes);
  return bytes;
}

TEST(TrafficReceiver, KeepsFlowsApartByPeerSessionAndFlow) {
  TrafficReceiver receiver;
  uint64_t now = 1;
  // Same (session, flow) from two peers, and two sessions from one peer: four flows.
  for (uint64_t seq = 0; seq < 10; ++seq) {
    receiver.on_datagram(0, datagram(1, 0, seq), now++);
    receiver.on_datagram(1, datagram(1, 0, seq), now++);
    receiver.on_datagram(0, datagram(2, 0, seq), now++);
    receiver.on_datagram(0, datagram(1, 1, seq), now++);
  }
  EXPECT_EQ(receiver.flow_count(), 4u);
  size_t visited = 0;
  receiver.for_each_flow([&](const FlowKey&, const TrafficCounts& c) {
    ++visited;
    EXPECT_EQ(c.delivered, 10u);
    EXPECT_EQ(c.duplicated, 0u);
  });
  EXPECT_EQ(visited, 4u);
  EXPECT_EQ(receiver.totals().delivered, 40u);
}

TEST(TrafficReceiver, CorruptionIsChargedToThePeerAndCountedInTotals) {
  TrafficReceiver receiver;
  receiver.on_datagram(7, datagram(1, 0, 0), 1);
  auto hit = datagram(1, 0, 1);
  hit[50] ^= 0x04;
  EXPECT_EQ(receiver.on_datagram(7, hit, 2).arrival, Arrival::corrupted);
  const std::vector<uint8_t> runt = {1, 2, 3};
  EXPECT_EQ(receiver.on_datagram(7, runt, 3).arrival, Arrival::corrupted);

  ASSERT_EQ(receiver.peer_counts().count(7), 1u);
  const TrafficCounts& peer = receiver.peer_counts().at(7);
  EXPECT_EQ(peer.corrupted, 2u);
  EXPECT_EQ(peer.defects[static_cast<size_t>(Defect::bad_checksum)], 1u);
  EXPECT_EQ(peer.defects[static_cast<size_t>(Defect::too_short)], 1u);
  const TrafficCounts total = receiver.totals();
  EXPECT_EQ(total.received, 3u);
  EXPECT_EQ(total.corrupted, 2u);
  EXPECT_EQ(total.delivered, 1u);
  EXPECT_FALSE(total.lossless());
}

TEST(TrafficReceiver, EndOfFlowMakesTailLossVisible) {
  TrafficReceiver receiver;
  for (uint64_t seq = 0; seq < 8; ++seq) receiver.on_datagram(0, datagram(1, 0, seq), seq + 1);
  EXPECT_EQ(receiver.totals().lost, 0u);
  EXPECT_EQ(receiver.ended_flows(), 0u);
  // The sender says it sent 10; the copies of its end-of-flow datagram count once.
  for (int copy = 0; copy < 3; ++copy) {
    EXPECT_EQ(receiver.on_datagram(0, datagram(1, 0, 10, 40, DatagramKind::end_of_flow), 20).arrival,
              Arrival::end_of_flow);
  }
  EXPECT_EQ(receiver.ended_flows(), 1u);
  const TrafficCounts total = receiver.totals();
  EXPECT_EQ(total.sent, 10u);
  EXPECT_EQ(total.lost, 2u);
  EXPECT_EQ(total.sent_source, SentSource::known);
}

TEST(TrafficReceiver, WarmupDatagramsAreNeitherFlowsNorData) {
  TrafficReceiver receiver;
  EXPECT_EQ(receiver.on_datagram(0, datagram(1, 0, 0, 64, DatagramKind::warmup), 1).arrival, Arrival::warmup);
  EXPECT_EQ(receiver.flow_count(), 0u);
  receiver.on_datagram(0, datagram(1, 0, 0), 2);
  EXPECT_EQ(receiver.on_datagram(0, datagram(1, 0, 0, 64, DatagramKind::warmup), 3).arrival, Arrival::warmup);
  const TrafficCounts total = receiver.totals();
  EXPECT_EQ(total.received, 1u);
  EXPECT_EQ(total.delivered, 1u);
  EXPECT_EQ(total.duplicated, 0u);
}

TEST(TrafficReceiver, FlowCountIsBoundedAndOverflowIsCounted) {
  TrafficReceiver receiver({.reorder_window = 64, .max_flows = 3});
  for (uint32_t flow = 0; flow < 5; ++flow) receiver.on_datagram(0, datagram(1, flow, 0), 1);
  EXPECT_EQ(receiver.flow_count(), 3u);
  const TrafficCounts total = receiver.totals();
  EXPECT_EQ(total.untracked, 2u);
  EXPECT_EQ(total.received, 5u);
  EXPECT_EQ(total.delivered, 3u);
  EXPECT_FALSE(total.lossless());
}

}  // namespace
}  // namespace phantasm::traffic
