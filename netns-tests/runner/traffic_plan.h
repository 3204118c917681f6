// The traffic of a scenario as udpgen runs: each flow group becomes one or more segments,
// split where an idle event pauses all traffic; later segments reuse the group's local ports,
// so they continue the same tunnel flows.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario.h"

namespace phantasm::netns {

struct TrafficSegment {
  size_t group = 0;
  scenario::Millis start{0};
  scenario::Millis length{0};
  bool first = false;  // warms the flows up (their handshakes) before counting
  uint16_t bind_port = 0;
};

inline constexpr uint16_t kFirstFlowPort = 20000;
inline constexpr uint16_t kProbePort = 19999;

std::vector<TrafficSegment> plan_traffic(const scenario::Scenario& s);

}  // namespace phantasm::netns
