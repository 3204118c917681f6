// One scenario in ns-3, the way `phantasm netns run` does it in namespaces (netns-tests/runner/
// run.cc): the server and client daemons start, the recovery probe starts, one second later the
// scenario clock starts, the traffic runs and the events fire on time, and at the end the same
// quantities are measured (delivered, lost, corrupted, duplicated, INVALID and ASSURED per node,
// recovery, resets, leaks) and judged by the scenario's expectation. Everything is seeded by the
// scenario's seed: the same file gives the same result, byte for byte.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/scenario/expectation.h"
#include "harness/scenario/scenario.h"
#include "sim/helper/sim_topology.h"

namespace phantasm::sim {

struct SimRunOptions {
  std::string pcap_dir;  // empty: no captures
  uint32_t pcap_snaplen = 128;  // bytes of each packet kept (headers and the udpgen header); 0: all
  LinkSettings links;
  std::function<void(const std::string&)> progress;  // one line per step
};

// What one sender run got through (the sink's counts one way, the echoes with echo).
struct GroupStats {
  std::string group;
  uint64_t sent = 0;
  uint64_t sent_bytes = 0;
  uint64_t delivered = 0;
  uint64_t delivered_bytes = 0;
  uint64_t first_arrival_ns = 0;
  uint64_t last_arrival_ns = 0;
};

struct SimRunResult {
  std::string scenario;
  std::string tunnel = "phantasm";
  scenario::Measurements measurements;
  scenario::Judgement judgement;
  std::vector<std::string> notes;  // what else was seen (node and engine counters)
  std::string error;
  double simulated_seconds = 0;
  double wall_seconds = 0;        // not part of the JSON: it differs from run to run
  uint64_t packets = 0;           // packets the nodes handled (arrivals on links and TUNs)
  uint64_t datagrams = 0;         // UDP datagrams the applications sent
  std::vector<GroupStats> groups;
};

SimRunResult run_in_sim(const scenario::Scenario& s, const SimRunOptions& options);

}  // namespace phantasm::sim
