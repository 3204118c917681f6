#include "harness/traffic/format/latency_histogram.h"

#include <gtest/gtest.h>

namespace phantasm::traffic {
namespace {

TEST(LatencyHistogram, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.quantile(0.5), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 16; ++v) h.record(v);
  EXPECT_EQ(h.quantile(0.0), 0u);
  EXPECT_EQ(h.quantile(0.5), 7u);
  EXPECT_EQ(h.quantile(1.0), 15u);
  EXPECT_EQ(h.mean(), 7u);
}

TEST(LatencyHistogram, QuantilesAreWithinOneSixteenth) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);  // 1 us .. 100 ms
  for (double q : {0.01, 0.5, 0.9, 0.99, 0.999}) {
    const double truth = q * 100000 * 1000;
    const double got = static_cast<double>(h.quantile(q));
    EXPECT_LE(got, truth + 1000) << q;
    EXPECT_GE(got, truth * 15 / 16 - 1000) << q;
  }
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 100000000u);
  EXPECT_EQ(h.quantile(1.0), h.max()) << "clamped to the largest sample";
}

TEST(LatencyHistogram, HandlesTheWholeRangeAndMerges) {
  LatencyHistogram a, b;
  a.record(UINT64_MAX);
  b.record(1);
  a.merge(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.min(), 1u);
  EXPECT_EQ(a.max(), UINT64_MAX);
}

}  // namespace
}  // namespace phantasm::traffic
