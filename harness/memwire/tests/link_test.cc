#include "harness/memwire/link.h"

#include <gtest/gtest.h>

#include <vector>

namespace phantasm::memwire {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

Time us(int64_t n) { return Time::zero() + microseconds(n); }

// Arrival times of `count` packets of `bytes` bytes sent every `gap`.
std::vector<Time> arrivals(Link& link, int count, size_t bytes, Duration gap) {
  std::vector<Time> out;
  for (int i = 0; i < count; ++i) {
    const Transmission t = link.transmit(bytes, Time::zero() + gap * i);
    for (size_t c = 0; c < t.count; ++c) out.push_back(t.arrivals[c]);
  }
  return out;
}

TEST(Link, CleanLinkDeliversEveryPacketOnceAfterTheDelay) {
  Link link({.delay = microseconds(300)}, 1);
  for (int i = 0; i < 100; ++i) {
    const Transmission t = link.transmit(100, us(10 * i));
    ASSERT_EQ(t.count, 1u);
    EXPECT_EQ(t.arrivals[0], us(10 * i + 300));
  }
  EXPECT_EQ(link.stats().offered, 100u);
  EXPECT_EQ(link.stats().copies, 100u);
  EXPECT_EQ(link.stats().lost, 0u);
}

TEST(Link, LossOfOneLosesEverythingAndZeroNothing) {
  Link all({.loss = 1.0}, 7);
  Link none({.loss = 0.0}, 7);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(all.transmit(10, us(i)).count, 0u);
    EXPECT_EQ(none.transmit(10, us(i)).count, 1u);
  }
  EXPECT_EQ(all.stats().lost, 50u);
  EXPECT_EQ(none.stats().lost, 0u);
}

TEST(Link, LossIsSeededReproducibleAndNearItsRate) {
  auto run = [](uint64_t seed) {
    Link link({.loss = 0.25}, seed);
    std::vector<bool> fates;
    for (int i = 0; i < 10000; ++i) fates.push_back(link.transmit(64, us(i)).count == 1);
    return std::make_pair(fates, link.stats());
  };
  const auto [a, stats_a] = run(42);
  const auto [b, stats_b] = run(42);
  const auto [c, stats_c] = run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(stats_a.offered, stats_a.lost + stats_a.copies);
  // 10,000 draws at p = 0.25: sd is 43, so +-300 is ~7 sd (and the seed is fixed anyway).
  EXPECT_GT(stats_a.lost, 2200u);
  EXPECT_LT(stats_a.lost, 2800u);
}

TEST(Link, DuplicationDeliversTwoCopies) {
  Link link({.delay = milliseconds(1), .duplicate = 1.0}, 3);
  const Transmission t = link.transmit(100, Time::zero());
  ASSERT_EQ(t.count, 2u);
  EXPECT_EQ(t.arrivals[0], us(1000));
  EXPECT_EQ(t.arrivals[1], us(1000));
  EXPECT_EQ(link.stats().duplicated, 1u);
  EXPECT_EQ(link.stats().copies, 2u);
}

TEST(Link, RateLimitSerialisesPacketsBackToBack) {
  // 1000 bytes at 8 Mbit/s take exactly 1 ms each.
  Link link({.delay = microseconds(500), .rate_bps = 8'000'000}, 1);
  const auto t = arrivals(link, 3, 1000, Duration{0});
  EXPECT_EQ(t, (std::vector<Time>{us(1500), us(2500), us(3500)}));
  // After the queue drained, a packet leaves after its own serialisation time only.
  EXPECT_EQ(link.transmit(1000, us(10000)).arrivals[0], us(11500));
}

TEST(Link, BoundedQueueTailDrops) {
  // Each 1000-byte packet takes 1 ms; at most 3000 bytes may wait unsent, counting the packet
  // being serialised.
  Link link({.rate_bps = 8'000'000, .queue_bytes = 3000}, 1);
  int delivered = 0;
  for (int i = 0; i < 10; ++i) delivered += static_cast<int>(link.transmit(1000, Time::zero()).count);
  // Backlog before each send: 0, 1000, 2000 bytes: accepted; then 3000 + 1000 > 3000: refused.
  EXPECT_EQ(delivered, 3);
  EXPECT_EQ(link.stats().queue_dropped, 7u);
}

TEST(Link, JitterReordersOnlyPacketsCloserThanTheJitter) {
  auto inversions = [](const std::vector<Time>& t) {
    int n = 0;
    for (size_t i = 1; i < t.size(); ++i) n += t[i] < t[i - 1] ? 1 : 0;
    return n;
  };
  Link tight({.delay = milliseconds(1), .jitter = microseconds(500)}, 9);
  Link sparse({.delay = milliseconds(1), .jitter = microseconds(500)}, 9);
  EXPECT_GT(inversions(arrivals(tight, 1000, 100, microseconds(50))), 100);
  EXPECT_EQ(inversions(arrivals(sparse, 1000, 100, microseconds(501))), 0);
}

TEST(Link, JitterStaysWithinItsBound) {
  Link link({.delay = milliseconds(2), .jitter = microseconds(300)}, 5);
  for (int i = 0; i < 1000; ++i) {
    const Time sent = us(i * 7);
    const Time at = link.transmit(100, sent).arrivals[0];
    EXPECT_GE(at - sent, milliseconds(2));
    EXPECT_LE(at - sent, milliseconds(2) + microseconds(300));
  }
}

}  // namespace
}  // namespace phantasm::memwire
