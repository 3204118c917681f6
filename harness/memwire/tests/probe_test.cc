#include "harness/memwire/probe.h"

#include <gtest/gtest.h>

#include <vector>

#include "harness/memwire/probe_tracker.h"

namespace phantasm::memwire {
namespace {

std::vector<uint8_t> probe(uint32_t flow, uint32_t seq, size_t size) {
  std::vector<uint8_t> p(size);
  write_probe(p, {flow, seq});
  return p;
}

TEST(Probe, RoundTripsAtEverySizeFromTheHeaderUp) {
  for (size_t size : {size_t{16}, size_t{17}, size_t{100}, size_t{1400}, size_t{65475}}) {
    const auto check = read_probe(probe(7, 99, size));
    ASSERT_TRUE(check.id) << size;
    EXPECT_EQ(*check.id, (ProbeId{7, 99}));
  }
}

TEST(Probe, DetectsEverySingleBitFlip) {
  const auto good = probe(3, 4, 64);
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = good;
      bad[byte] ^= static_cast<uint8_t>(1 << bit);
      EXPECT_FALSE(read_probe(bad).id) << byte << ":" << bit;
    }
  }
}

TEST(Probe, DetectsTruncationPaddingAndSplices) {
  auto p = probe(1, 2, 200);
  auto truncated = p;
  truncated.pop_back();
  EXPECT_EQ(read_probe(truncated).error, ProbeError::kBadLength);
  auto padded = p;
  padded.push_back(0);
  EXPECT_EQ(read_probe(padded).error, ProbeError::kBadLength);
  EXPECT_EQ(read_probe(std::vector<uint8_t>(15)).error, ProbeError::kTooShort);
  // The header of one probe with the body of another of the same size.
  auto spliced = probe(1, 3, 200);
  std::copy(p.begin(), p.begin() + kProbeHeaderLen, spliced.begin());
  EXPECT_EQ(read_probe(spliced).error, ProbeError::kBadChecksum);
}

TEST(ProbeTracker, CountsDeliveredLostDuplicatedReorderedExactly) {
  ProbeTracker t;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(t.issue(0), static_cast<uint32_t>(i));
  for (int i = 0; i < 3; ++i) t.issue(1);
  // Flow 0 arrives as 0 1 3 2 3 5 9 and one corrupt datagram; 4, 6, 7, 8 are lost.
  for (uint32_t seq : {0u, 1u, 3u, 2u, 3u, 5u, 9u}) ASSERT_TRUE(t.on_received(probe(0, seq, 40), 0u));
  auto corrupt = probe(0, 4, 40);
  corrupt[20] ^= 1;
  EXPECT_FALSE(t.on_received(corrupt));
  // Flow 1: its probe 0 arrives on flow 0's socket.
  ASSERT_TRUE(t.on_received(probe(1, 0, 40), 0u));

  const ProbeCounts f0 = t.flow(0);
  EXPECT_EQ(f0.sent, 10u);
  EXPECT_EQ(f0.delivered, 7u);
  EXPECT_EQ(f0.unique, 6u);
  EXPECT_EQ(f0.duplicated, 1u);
  EXPECT_EQ(f0.reordered, 1u);  // 2 after 3 (the duplicate 3 is not a reordering)
  EXPECT_EQ(f0.lost(), 4u);
  EXPECT_EQ(t.copies({0, 3}), 2u);
  EXPECT_EQ(t.copies({0, 4}), 0u);

  const ProbeCounts f1 = t.flow(1);
  EXPECT_EQ(f1.misrouted, 1u);
  EXPECT_EQ(f1.lost(), 2u);

  const ProbeCounts all = t.total();
  EXPECT_EQ(all.sent, 13u);
  EXPECT_EQ(all.delivered, 8u);
  EXPECT_EQ(all.corrupted, 1u);
  EXPECT_EQ(all.lost(), 6u);
}

TEST(ProbeTracker, IntactProbeThatWasNeverSentCountsAsCorrupted) {
  ProbeTracker t;
  t.issue(0);
  EXPECT_FALSE(t.on_received(probe(0, 5, 40)));
  EXPECT_FALSE(t.on_received(probe(2, 0, 40)));
  EXPECT_EQ(t.total().corrupted, 2u);
  EXPECT_EQ(t.total().delivered, 0u);
}

}  // namespace
}  // namespace phantasm::memwire
