#include "harness/traffic/tool/pacer.h"

#include <gtest/gtest.h>

namespace phantasm::traffic {
namespace {

constexpr uint64_t kMs = 1'000'000;

// Offers one datagram every `step_ns` of simulated time for `total_ns`; returns how many the
// pacer let through.
uint64_t run(Pacer& pacer, uint32_t bytes, uint64_t step_ns, uint64_t total_ns) {
  uint64_t sent = 0;
  for (uint64_t now = 0; now <= total_ns; now += step_ns) {
    while (pacer.try_take(bytes, now)) ++sent;
  }
  return sent;
}

TEST(Pacer, HoldsAPacketRate) {
  Pacer pacer(Rate{Rate::Unit::packets_per_second, 10'000}, 0);
  EXPECT_NEAR(static_cast<double>(run(pacer, 1400, kMs / 10, 1000 * kMs)), 10'000, 1);
}

TEST(Pacer, HoldsABitRateWhateverTheSize) {
  Pacer pacer(Rate{Rate::Unit::bits_per_second, 8'000'000}, 0);  // 1 MB/s
  EXPECT_NEAR(static_cast<double>(run(pacer, 1000, kMs / 10, 1000 * kMs)), 1000, 1);
}

TEST(Pacer, CatchesUpAtMostOneBurstAfterAStall) {
  Pacer pacer(Rate{Rate::Unit::packets_per_second, 10'000}, 0, 5 * kMs);
  // Nothing offered for a whole second, then the bucket is full: 5 ms worth = 50 datagrams.
  uint64_t burst = 0;
  while (pacer.try_take(100, 1000 * kMs)) ++burst;
  EXPECT_EQ(burst, 50u);
}

TEST(Pacer, ReadyAtPredictsWhenABatchHasCredit) {
  Pacer pacer(Rate{Rate::Unit::packets_per_second, 1000}, 0);
  EXPECT_NEAR(static_cast<double>(pacer.ready_at(4, 100, 0)), 4.0 * kMs, 10);
  // Credit for 3 datagrams (and most of a 4th) is there just before; all 4 just after.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pacer.try_take(100, 4 * kMs - 1'000)) << i;
  EXPECT_FALSE(pacer.try_take(100, 4 * kMs - 1'000));
  EXPECT_TRUE(pacer.try_take(100, 4 * kMs + 1'000));
  EXPECT_FALSE(pacer.try_take(100, 4 * kMs + 1'000));
}

TEST(Pacer, GiveBackReturnsTheCredit) {
  Pacer pacer(Rate{Rate::Unit::packets_per_second, 1000}, 0);
  ASSERT_TRUE(pacer.try_take(100, kMs));
  EXPECT_FALSE(pacer.try_take(100, kMs));
  pacer.give_back(100);
  EXPECT_TRUE(pacer.try_take(100, kMs));
}

TEST(Pacer, UnlimitedNeverWaits) {
  Pacer pacer(Rate{}, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(pacer.try_take(65507, 0));
  EXPECT_EQ(pacer.ready_at(32, 1400, 7), 7u);
}

}  // namespace
}  // namespace phantasm::traffic
