// The recovery probe: one extra tunnel flow that sends a small udpgen datagram every interval
// and notes when each echo comes back. Gaps between echoes show outages; the runner measures
// recovery time from a disruptive event to the end of the outage it caused. Times are
// CLOCK_MONOTONIC nanoseconds, the same clock in every namespace.
//
//   phantasm netns probe --target ADDR:PORT --bind ADDR:PORT [--interval 50ms] --json FILE
// Runs until SIGTERM/SIGINT, then writes the JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace phantasm::netns {

int run_probe(int argc, char** argv);

struct ProbeGap {
  int64_t start_ns = 0;  // the last echo before the gap
  int64_t end_ns = 0;    // the first echo after it
};

struct ProbeResult {
  uint64_t sent = 0;
  uint64_t echoed = 0;
  int64_t first_echo_ns = 0;
  int64_t last_echo_ns = 0;
  std::vector<ProbeGap> gaps;
};

std::optional<ProbeResult> read_probe_json(const std::string& path);

// Seconds from `event_ns` until the echoes resumed after the outage that event caused: the
// first gap that spans the event or starts within `slack_ns` after it. 0 when no outage
// followed; nothing when the echoes never came back.
std::optional<double> recovery_seconds(const ProbeResult& r, int64_t event_ns, int64_t slack_ns);

}  // namespace phantasm::netns
