// The one clock udpgen reads: CLOCK_MONOTONIC in nanoseconds. Send timestamps in datagrams come
// from it too, so echo round trips are measured on one clock and never jump with NTP.
#pragma once

#include <time.h>

#include <cstdint>

namespace phantasm::traffic {

inline uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Sleeps until `deadline_ns` on the monotonic clock (returns early on a signal).
inline void sleep_until_ns(uint64_t deadline_ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(deadline_ns / 1'000'000'000u);
  ts.tv_nsec = static_cast<long>(deadline_ns % 1'000'000'000u);
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
}

}  // namespace phantasm::traffic
