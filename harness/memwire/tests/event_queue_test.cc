#include "harness/memwire/event_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace phantasm::memwire {
namespace {

Time ms(int64_t n) { return Time::zero() + std::chrono::milliseconds(n); }

TEST(EventQueue, RunsInTimeOrderThenInsertionOrder) {
  EventQueue q;
  std::vector<int> order;
  q.schedule(ms(5), [&] { order.push_back(3); });
  q.schedule(ms(1), [&] { order.push_back(1); });
  q.schedule(ms(5), [&] { order.push_back(4); });
  q.schedule(ms(1), [&] { order.push_back(2); });
  EXPECT_EQ(q.next_time(), ms(1));
  std::vector<Time> times;
  while (!q.empty()) times.push_back(q.run_next());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(times, (std::vector<Time>{ms(1), ms(1), ms(5), ms(5)}));
  EXPECT_EQ(q.events_run(), 4u);
}

TEST(EventQueue, EventScheduledForTheSameInstantRunsAfterThoseAlreadyQueued) {
  EventQueue q;
  std::vector<int> order;
  q.schedule(ms(2), [&] {
    order.push_back(1);
    q.schedule(ms(2), [&] { order.push_back(3); });
  });
  q.schedule(ms(2), [&] { order.push_back(2); });
  while (!q.empty()) q.run_next();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventQueue, EmptyQueueHasNoNextTime) {
  EventQueue q;
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(q.next_time().is_never());
}

}  // namespace
}  // namespace phantasm::memwire
