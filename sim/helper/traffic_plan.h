// A scenario's traffic as sender runs, cut where an idle event pauses all traffic; later runs
// of a group reuse its local ports, so they continue the same tunnel flows. The same plan as the
// netns runner's (netns-tests/runner/traffic_plan.h), kept here so sim/ does not link the
// namespace runner; both follow scenarios/README.md.
#pragma once

#include <vector>

#include "harness/scenario/scenario.h"

namespace phantasm::sim {

struct TrafficRun {
  size_t group = 0;
  scenario::Millis start{0};
  scenario::Millis length{0};
  bool first = false;  // the group's first run (its flows' first handshakes)
  uint16_t first_port = 0;
};

inline constexpr uint16_t kFirstFlowPort = 20000;
inline constexpr uint16_t kProbePort = 19999;

std::vector<TrafficRun> plan_traffic(const scenario::Scenario& s);

}  // namespace phantasm::sim
