#include "harness/memwire/event_queue.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace phantasm::memwire {

void EventQueue::schedule(Time at, Action action) {
  heap_.push_back(Event{at, next_order_++, std::move(action)});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

Time EventQueue::run_next() {
  assert(!heap_.empty());
  std::pop_heap(heap_.begin(), heap_.end(), later);
  Event event = std::move(heap_.back());
  heap_.pop_back();
  ++events_run_;
  // The action runs after it left the heap: it may schedule more events freely.
  event.action();
  return event.at;
}

}  // namespace phantasm::memwire
