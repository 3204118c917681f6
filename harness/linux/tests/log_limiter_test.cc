#include "harness/linux/log_limiter.h"

#include <gtest/gtest.h>

namespace phantasm::linux_host {
namespace {

using namespace std::chrono_literals;
using Clock = LogLimiter::Clock;

Clock::time_point at(std::chrono::milliseconds ms) { return Clock::time_point{} + ms; }

TEST(LogLimiter, AllowsABurstThenCountsAndSumsUpWhenTheWindowEnds) {
  LogLimiter limiter(3, 10s);
  int allowed = 0;
  for (int i = 0; i < 126; ++i) allowed += limiter.allow("New UDP client", at(i * 10ms));
  EXPECT_EQ(allowed, 3);
  EXPECT_TRUE(limiter.take_summaries(at(9999ms)).empty());  // the window is still open
  ASSERT_EQ(limiter.next_summary_due(), at(10s));
  auto summaries = limiter.take_summaries(at(10s));
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].suppressed, 123u);
  EXPECT_EQ(summaries[0].text(), "New UDP client ... (repeated 123 times in the last 10 s)");
  EXPECT_FALSE(limiter.next_summary_due());
  EXPECT_TRUE(limiter.take_summaries(at(30s)).empty());
}

TEST(LogLimiter, QuietKeysNeverSummarise) {
  LogLimiter limiter(3, 10s);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("closed", at(i * 1s)));
  EXPECT_FALSE(limiter.next_summary_due());
  EXPECT_TRUE(limiter.take_summaries(at(60s)).empty());
  // A new window after the old one: the burst again.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("closed", at(60s + i * 1ms)));
  EXPECT_FALSE(limiter.allow("closed", at(61s)));
}

TEST(LogLimiter, KeysAreIndependent) {
  LogLimiter limiter(1, 10s);
  EXPECT_TRUE(limiter.allow("a", at(0ms)));
  EXPECT_TRUE(limiter.allow("b", at(0ms)));
  EXPECT_FALSE(limiter.allow("a", at(1ms)));
  EXPECT_FALSE(limiter.allow("a", at(2ms)));
  EXPECT_FALSE(limiter.allow("b", at(5s), 4));
  EXPECT_EQ(limiter.next_summary_due(), at(10s));
  auto summaries = limiter.take_summaries(at(10s));
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].key, "a");
  EXPECT_EQ(summaries[0].suppressed, 2u);
  EXPECT_EQ(summaries[1].key, "b");
  EXPECT_EQ(summaries[1].suppressed, 1u);
  EXPECT_EQ(summaries[1].tag, 4);
}

TEST(LogLimiter, ALineAfterTheWindowClosesItFirst) {
  LogLimiter limiter(2, 10s);
  limiter.allow("k", at(0ms));
  limiter.allow("k", at(1ms));
  EXPECT_FALSE(limiter.allow("k", at(2ms)));
  // No timer ran: the next line, 12 s later, closes the old window and opens a new one.
  EXPECT_TRUE(limiter.allow("k", at(12s)));
  EXPECT_EQ(limiter.next_summary_due(), Clock::time_point::min());  // due at once
  auto summaries = limiter.take_summaries(at(12s));
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].suppressed, 1u);
  EXPECT_TRUE(limiter.allow("k", at(12s)));
  EXPECT_FALSE(limiter.allow("k", at(13s)));
  EXPECT_EQ(limiter.next_summary_due(), at(22s));
}

TEST(LogLimiter, TakeAllEmptiesOpenWindows) {
  LogLimiter limiter(0, 2500ms);
  EXPECT_FALSE(limiter.allow("k", at(0ms)));
  auto summaries = limiter.take_all();
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].text(), "k ... (repeated 1 times in the last 2.5 s)");
  EXPECT_TRUE(limiter.take_all().empty());
}

}  // namespace
}  // namespace phantasm::linux_host
