#include "harness/middlebox/normaliser.h"

#include <gtest/gtest.h>

#include "harness/middlebox/tests/test_packets.h"

namespace phantasm::middlebox {
namespace {
using namespace test;

TEST(Normaliser, HonestRetransmissionPassesAConflictingOneIsDropped) {
  Normaliser n({});
  run(n, kUp, syn(0));
  EXPECT_EQ(run(n, kUp, data(1, 0, "hello")).size(), 1u);
  EXPECT_EQ(run(n, kUp, data(1, 0, "hello")).size(), 1u);  // same bytes
  EXPECT_EQ(run(n, kUp, data(1, 0, "HELLO")).size(), 0u);  // same seq, other bytes
  EXPECT_EQ(run(n, kUp, data(3, 0, "llo")).size(), 0u);    // overlap it cannot verify
  EXPECT_EQ(run(n, kUp, data(6, 0, "world")).size(), 1u);  // new sequence space
  EXPECT_EQ(n.conflicts_dropped(), 2u);
}

TEST(Normaliser, AFakeTcpThatNeverReusesSequenceSpacePasses) {
  Normaliser n({});
  run(n, kUp, syn(0));
  uint32_t seq = 1;
  for (int i = 0; i < 1000; ++i) {
    const std::string payload(100 + i % 50, static_cast<char>('a' + i % 26));
    ASSERT_EQ(run(n, kUp, data(seq, 0, payload)).size(), 1u);
    seq += static_cast<uint32_t>(payload.size());
  }
  EXPECT_EQ(n.counters().dropped, 0u);
}

TEST(Normaliser, BlockAboveHoleStopsEverythingAfterALoss) {
  Normaliser n({.drop_conflicting_retransmissions = true, .block_above_hole = true});
  run(n, kUp, syn(0));
  EXPECT_EQ(run(n, kUp, data(1, 0, "aaaa")).size(), 1u);
  // Bytes 5..8 were lost before the box: everything above them waits forever.
  EXPECT_EQ(run(n, kUp, data(9, 0, "cccc")).size(), 0u);
  EXPECT_EQ(run(n, kUp, data(13, 0, "dddd")).size(), 0u);
  // The other direction is its own stream.
  EXPECT_EQ(run(n, kDown, data(1, 5, "zz", false)).size(), 1u);
  EXPECT_EQ(n.above_hole_dropped(), 2u);
}

}  // namespace
}  // namespace phantasm::middlebox
