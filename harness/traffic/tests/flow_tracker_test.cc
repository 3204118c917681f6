#include "harness/traffic/format/flow_tracker.h"

#include <gtest/gtest.h>

#include <vector>

namespace phantasm::traffic {
namespace {

// Feeds intact data datagrams by sequence number; the tracker never looks at payloads.
class FlowTrackerTest : public ::testing::Test {
 protected:
  Arrival arrive(uint64_t seq, size_t size = 100) {
    Decoded d;
    d.ok = true;
    d.header.seq = seq;
    d.size = size;
    return tracker.on_datagram(d, ++now);
  }
  void end_of_flow(uint64_t sent) {
    Decoded d;
    d.ok = true;
    d.header.kind = DatagramKind::end_of_flow;
    d.header.seq = sent;
    tracker.on_datagram(d, ++now);
  }
  static void expect_identities(const TrafficCounts& c) {
    EXPECT_EQ(c.received, c.delivered + c.corrupted + c.duplicated + c.stale + c.untracked);
    EXPECT_EQ(c.lost, c.sent > c.delivered ? c.sent - c.delivered : 0);
    EXPECT_LE(c.reordered, c.delivered);
  }

  FlowTracker tracker{128};
  uint64_t now = 1000;
};

TEST_F(FlowTrackerTest, InOrderStreamIsAllDelivered) {
  for (uint64_t s = 0; s < 1000; ++s) EXPECT_EQ(arrive(s), Arrival::in_order);
  tracker.set_sent(1000);
  const TrafficCounts c = tracker.counts();
  EXPECT_EQ(c.delivered, 1000u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.reordered, 0u);
  EXPECT_EQ(c.delivered_bytes, 100000u);
  EXPECT_EQ(c.first_arrival_ns, 1001u);
  EXPECT_EQ(c.last_arrival_ns, 2000u);
  EXPECT_TRUE(c.lossless());
  expect_identities(c);
}

TEST_F(FlowTrackerTest, DuplicatesAreCountedExactlyAndNotDelivered) {
  EXPECT_EQ(arrive(0), Arrival::in_order);
  EXPECT_EQ(arrive(1), Arrival::in_order);
  EXPECT_EQ(arrive(1), Arrival::duplicate);
  EXPECT_EQ(arrive(0), Arrival::duplicate);
  EXPECT_EQ(arrive(2), Arrival::in_order);
  EXPECT_EQ(arrive(2), Arrival::duplicate);
  EXPECT_EQ(arrive(2), Arrival::duplicate);
  tracker.set_sent(3);
  const TrafficCounts c = tracker.counts();
  EXPECT_EQ(c.received, 7u);
  EXPECT_EQ(c.delivered, 3u);
  EXPECT_EQ(c.duplicated, 4u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_FALSE(c.lossless());
  expect_identities(c);
}

TEST_F(FlowTrackerTest, ReorderingIsCountedOncePerLateDatagram) {
  // 0 3 1 2 5 4 4: 1, 2 and 4 arrive after a higher number; the second 4 is a duplicate.
  const std::vector<Arrival> expected = {Arrival::in_order,  Arrival::in_order, Arrival::reordered,
                                         Arrival::reordered, Arrival::in_order, Arrival::reordered,
                                         Arrival::duplicate};
  const std::vector<uint64_t> order = {0, 3, 1, 2, 5, 4, 4};
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(arrive(order[i]), expected[i]) << i;
  tracker.set_sent(6);
  const TrafficCounts c = tracker.counts();
  EXPECT_EQ(c.delivered, 6u);
  EXPECT_EQ(c.reordered, 3u);
  EXPECT_EQ(c.duplicated, 1u);
  EXPECT_EQ(c.lost, 0u);
  expect_identities(c);
}

TEST_F(FlowTrackerTest, LostIsSentMinusDistinctDelivered) {
  for (uint64_t s = 0; s < 100; ++s) {
    if (s % 10 != 3) arrive(s);  // 10 holes
  }
  arrive(50);  // a duplicate does not make up for a loss
  tracker.set_sent(105);  // and 5 more lost at the tail
  const TrafficCounts c = tracker.counts();
  EXPECT_EQ(c.delivered, 90u);
  EXPECT_EQ(c.sent, 105u);
  EXPECT_EQ(c.lost, 15u);
  EXPECT_EQ(c.sent_source, SentSource::known);
  expect_identities(c);
}

TEST_F(FlowTrackerTest, WithoutTheSendersCountLossIsInferredFromTheHighestSequence) {
  arrive(0);
  arrive(2);
  arrive(9);
  TrafficCounts c = tracker.counts();
  EXPECT_EQ(c.sent, 10u);
  EXPECT_EQ(c.lost, 7u);
  EXPECT_EQ(c.sent_source, SentSource::inferred);

  end_of_flow(12);  // the sender's closing count reveals two more lost at the tail
  c = tracker.counts();
  EXPECT_EQ(c.sent, 12u);
  EXPECT_EQ(c.lost, 9u);
  EXPECT_EQ(c.sent_source, SentSource::known);
  EXPECT_EQ(c.received, 3u) << "an end-of-flow datagram is not data";
  EXPECT_TRUE(tracker.ended());
}

TEST_F(FlowTrackerTest, CorruptedArrivalsAreCountedByReason) {
  arrive(0);
  tracker.on_datagram(Decoded::rejected(Defect::bad_checksum, 100), ++now);
  tracker.on_datagram(Decoded::rejected(Defect::too_short, 3), ++now);
  tracker.on_rejected(Defect::misdirected, ++now);
  tracker.set_sent(2);
  const TrafficCounts c = tracker.counts();
  EXPECT_EQ(c.corrupted, 3u);
  EXPECT_EQ(c.defects[static_cast<size_t>(Defect::bad_checksum)], 1u);
  EXPECT_EQ(c.defects[static_cast<size_t>(Defect::too_short)], 1u);
  EXPECT_EQ(c.defects[static_cast<size_t>(Defect::misdirected)], 1u);
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.lost, 1u);
  expect_identities(c);
}

TEST_F(FlowTrackerTest, ArrivalsOlderThanTheWindowAreStaleNotGuessed) {
  arrive(0);
  arrive(1000);                                 // 1..999 are holes so far
  // The window holds the 128 sequence numbers below the next expected one (1001): 873..1000.
  EXPECT_EQ(arrive(1000 - 127), Arrival::reordered);
  EXPECT_EQ(arrive(1000 - 128), Arrival::stale);
  EXPECT_EQ(arrive(0), Arrival::stale);         // a duplicate, but too old to know
  const TrafficCounts c = tracker.counts();
  EXPECT_EQ(c.stale, 2u);
  EXPECT_FALSE(c.lossless());
  expect_identities(c);
}

TEST_F(FlowTrackerTest, SlidingWindowForgetsOldBitsButKeepsRecentOnes) {
  // Walk far past several window lengths with a hole every 7, then fill the recent holes late.
  for (uint64_t s = 0; s < 1000; ++s) {
    if (s % 7 != 0) {
      ASSERT_EQ(arrive(s), Arrival::in_order);
    }
  }
  for (uint64_t s = 1000 - 127; s < 1000; ++s) {
    if (s % 7 == 0) {
      EXPECT_EQ(arrive(s), Arrival::reordered) << s;
    } else {
      EXPECT_EQ(arrive(s), Arrival::duplicate) << s;
    }
  }
  expect_identities(tracker.counts());
}

TEST_F(FlowTrackerTest, AJumpLongerThanTheWindowResetsIt) {
  arrive(5);
  arrive(5 + 128 * 3);
  EXPECT_EQ(arrive(5 + 128 * 3 - 1), Arrival::reordered);
  EXPECT_EQ(arrive(5 + 128 * 3), Arrival::duplicate);
}

}  // namespace
}  // namespace phantasm::traffic
