#include "harness/traffic/tool/size_distribution.h"

#include <gtest/gtest.h>

#include <map>

#include "harness/traffic/tool/errors.h"

namespace phantasm::traffic {
namespace {

TEST(SizeDistribution, FixedSize) {
  const auto d = SizeDistribution::parse("1400");
  Rng rng(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(d.draw(rng), 1400u);
  EXPECT_EQ(d.min(), 1400u);
  EXPECT_EQ(d.max(), 1400u);
  EXPECT_DOUBLE_EQ(d.mean(), 1400);
}

TEST(SizeDistribution, RangeCoversBothEndsAndNothingElse) {
  const auto d = SizeDistribution::parse("100-103");
  Rng rng(2);
  std::map<uint32_t, int> seen;
  for (int i = 0; i < 1000; ++i) ++seen[d.draw(rng)];
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen.begin()->first, 100u);
  EXPECT_EQ(seen.rbegin()->first, 103u);
  EXPECT_DOUBLE_EQ(d.mean(), 101.5);
}

TEST(SizeDistribution, WeightedListFollowsItsWeights) {
  const auto d = SizeDistribution::parse("64:7,576:4,1400:1");
  EXPECT_EQ(d.min(), 64u);
  EXPECT_EQ(d.max(), 1400u);
  EXPECT_DOUBLE_EQ(d.mean(), (64.0 * 7 + 576.0 * 4 + 1400.0) / 12);
  Rng rng(3);
  std::map<uint32_t, int> seen;
  for (int i = 0; i < 12000; ++i) ++seen[d.draw(rng)];
  ASSERT_EQ(seen.size(), 3u);
  // Loose bounds: these are draws, and the seed fixes them, so this is not flaky.
  EXPECT_NEAR(seen[64], 7000, 300);
  EXPECT_NEAR(seen[576], 4000, 300);
  EXPECT_NEAR(seen[1400], 1000, 200);
}

TEST(SizeDistribution, SameSeedSameSequence) {
  const auto d = SizeDistribution::parse("40-65507");
  Rng a(9), b(9);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(d.draw(a), d.draw(b));
}

TEST(SizeDistribution, RejectsSizesOutsideTheFormatAndBadSyntax) {
  for (const char* text : {"39", "65508", "0", "1400-64", "64,,1400", "64:0", "a", "", "64-", "64:x"}) {
    EXPECT_THROW(SizeDistribution::parse(text), UsageError) << text;
  }
  EXPECT_NO_THROW(SizeDistribution::parse("40"));
  EXPECT_NO_THROW(SizeDistribution::parse("65507"));
}

}  // namespace
}  // namespace phantasm::traffic
