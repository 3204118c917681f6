// EventQueue: the discrete-event core of the in-memory wire. Events run in (time, insertion
// order): two events at the same instant run in the order they were scheduled, so a run is a
// pure function of its inputs and seeds (no clock, no threads).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/core/time.h"

namespace phantasm::memwire {

class EventQueue {
 public:
  using Action = std::function<void()>;

  // Schedules `action` at `at`. An action may schedule further events, including at `at`
  // itself: they run after everything already queued for that instant.
  void schedule(Time at, Action action);

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // The time of the earliest event; Time::never() when empty.
  Time next_time() const { return heap_.empty() ? Time::never() : heap_.front().at; }

  // Removes the earliest event and runs it. Returns its time. The queue must not be empty.
  Time run_next();

  uint64_t events_run() const { return events_run_; }

 private:
  struct Event {
    Time at;
    uint64_t order;
    Action action;
  };
  // std::priority_queue cannot move its top out, so the heap is kept by hand.
  static bool later(const Event& a, const Event& b) {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
  }

  std::vector<Event> heap_;
  uint64_t next_order_ = 0;
  uint64_t events_run_ = 0;
};

}  // namespace phantasm::memwire
