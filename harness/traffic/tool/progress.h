// The once-a-second progress line on stderr during long runs (off with --quiet). Rates on the
// line are for the last interval, not the whole run, so a stall shows up at once.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace phantasm::traffic {

// Turns cumulative datagram and byte counters into the rate over the last interval.
class IntervalRate {
 public:
  // "123.4 Mbit/s 11.0 kpps" since the previous call; `seconds` is the interval's length.
  std::string update(uint64_t packets, uint64_t bytes, double seconds);

 private:
  uint64_t packets_ = 0;
  uint64_t bytes_ = 0;
};

class ProgressLine {
 public:
  ProgressLine(bool enabled, uint64_t start_ns, std::FILE* out = stderr);

  // True at most once a second; the caller then builds its text and calls print().
  bool due(uint64_t now_ns);
  // Seconds since the previous print (the interval the rates cover).
  double interval_seconds() const { return interval_s_; }
  void print(uint64_t now_ns, std::string_view text);

 private:
  bool enabled_;
  uint64_t start_ns_;
  uint64_t last_ns_;
  double interval_s_ = 0;
  std::FILE* out_;
};

}  // namespace phantasm::traffic
