#include "harness/middlebox/impairments.h"

#include <gtest/gtest.h>

#include "harness/middlebox/tests/test_packets.h"

namespace phantasm::middlebox {
namespace {
using namespace test;

TEST(Impairments, LossDropsAboutTheProbabilityAndIsSeeded) {
  Loss a(0.1, 7), b(0.1, 7);
  size_t passed_a = 0, passed_b = 0;
  const auto p = data(1, 1, "x");
  for (int i = 0; i < 10000; ++i) {
    passed_a += run(a, kUp, p).size();
    passed_b += run(b, kUp, p).size();
  }
  EXPECT_EQ(passed_a, passed_b);  // same seed, same choices
  EXPECT_NEAR(static_cast<double>(passed_a), 9000.0, 300.0);
  EXPECT_EQ(a.counters().dropped, 10000 - passed_a);
}

TEST(Impairments, DelayAddsFixedPlusJitterWhichReorders) {
  Delay d(std::chrono::milliseconds(10), std::chrono::milliseconds(5), 3);
  const auto p = data(1, 1, "x");
  bool reordered = false;
  Duration previous{0};
  for (int i = 0; i < 100; ++i) {
    auto out = run(d, kUp, p, Time::zero() + std::chrono::microseconds(100 * i));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_GE(out[0].delay, std::chrono::milliseconds(10));
    EXPECT_LE(out[0].delay, std::chrono::milliseconds(15));
    // Sent 100 us apart: a later packet with a delay shorter by more than that overtakes.
    const Duration release = out[0].delay + std::chrono::microseconds(100 * i);
    if (i > 0 && release < previous) reordered = true;
    previous = release;
  }
  EXPECT_TRUE(reordered);
}

TEST(Impairments, DuplicatesAreInjectedCopies) {
  Duplicate d(1.0, 1);
  const auto p = data(1, 1, "x");
  auto out = run(d, kUp, p);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].injected);
  EXPECT_TRUE(out[1].injected);
  EXPECT_EQ(out[1].bytes, p);
}

}  // namespace
}  // namespace phantasm::middlebox
