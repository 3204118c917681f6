// What a udpgen run found, and its two renderings: a table for people and JSON for tests and
// reports. Both carry the same numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/traffic/format/latency_histogram.h"
#include "harness/traffic/format/traffic_counts.h"

namespace phantasm::traffic {

// One direction of traffic: "sent" (what left the sender: only sent, bytes and rate apply),
// "echoed" (what came back to the sender) or "received" (what reached a sink).
struct DirectionReport {
  std::string name;
  bool receiving = true;
  size_t flows = 0;
  TrafficCounts counts;        // all flows added together
  uint64_t packets = 0;        // datagrams carried: sent, or delivered
  uint64_t bytes = 0;          // their UDP payload bytes (headers below UDP not included)
  double seconds = 0;          // first to last datagram: the throughput's time base
  uint64_t kernel_drops = 0;   // SO_RXQ_OVFL on this direction's receiving sockets
  uint64_t refused = 0;        // ICMP port unreachable reported by the kernel (ECONNREFUSED)
  uint64_t echo_failures = 0;  // datagrams a sink could not echo (its send buffer was full)
  std::optional<LatencyHistogram> round_trip;

  double mbit_per_second() const { return seconds > 0 ? bytes * 8.0 / seconds / 1e6 : 0; }
  double kpps() const { return seconds > 0 ? packets / seconds / 1e3 : 0; }
};

struct FlowReport {
  std::string direction;
  std::string peer;  // the remote address the flow's datagrams came from
  uint32_t session = 0;
  uint32_t flow = 0;
  TrafficCounts counts;
};

struct RunReport {
  std::string mode;  // "send" or "sink"
  std::vector<std::pair<std::string, std::string>> settings;  // effective options, for the record
  double elapsed_seconds = 0;
  bool interrupted = false;  // stopped by SIGINT/SIGTERM
  std::vector<DirectionReport> directions;
  std::vector<FlowReport> flows;
  std::vector<std::string> notes;  // anything the reader should know (buffer limits, ...)

  // Why the run does not prove "nothing lost, nothing corrupted, nothing duplicated": one line
  // per reason (loss, corruption, duplicates, stale or untracked datagrams, a flow whose
  // end-of-flow datagram never came so its tail is unknown, a sink that heard nothing).
  // Empty when every receiving direction delivered everything intact exactly once
  // (reordering is allowed). A report without a receiving direction (one-way send) has none.
  std::vector<std::string> lossless_problems() const;
  bool lossless() const { return lossless_problems().empty(); }
};

// Aligned table; per-flow rows under each direction when `per_flow`.
std::string format_table(const RunReport& report, bool per_flow);
std::string format_json(const RunReport& report);

}  // namespace phantasm::traffic
