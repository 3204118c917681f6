#include "sim/helper/traffic_plan.h"

#include <algorithm>

namespace phantasm::sim {

std::vector<TrafficRun> plan_traffic(const scenario::Scenario& s) {
  std::vector<std::pair<scenario::Millis, scenario::Millis>> idles;  // start, length
  for (const scenario::Event& e : s.events) {
    if (e.kind == scenario::EventKind::kIdle) idles.emplace_back(e.at, e.length);
  }
  std::sort(idles.begin(), idles.end());
  std::vector<TrafficRun> out;
  uint32_t port = kFirstFlowPort;
  for (size_t g = 0; g < s.traffic.size(); ++g) {
    const scenario::FlowGroup& group = s.traffic[g];
    scenario::Millis t = group.start;
    scenario::Millis remaining = group.duration;
    for (const auto& [at, length] : idles) {
      if (at <= t) t = std::max(t, at + length);  // a pause that began before the group delays it
    }
    bool first = true;
    for (const auto& [at, length] : idles) {
      if (at < t || remaining.count() <= 0) continue;
      if (at >= t + remaining) break;
      out.push_back({g, t, at - t, first, static_cast<uint16_t>(port)});
      first = false;
      remaining -= at - t;
      t = at + length;
    }
    if (remaining.count() > 0) out.push_back({g, t, remaining, first, static_cast<uint16_t>(port)});
    port += group.flows;
  }
  return out;
}

}  // namespace phantasm::sim
