#include "sim/model/flow_arrivals.h"

#include <cstdio>

namespace phantasm::sim {
namespace {
constexpr Duration kCandidate = std::chrono::milliseconds(100);
constexpr Duration kMinGap = std::chrono::milliseconds(500);
double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

void FlowArrivals::on_datagram(ArrivalPlace place, uint32_t session, uint32_t flow, Time t) {
  Trace& tr = flows_[Key{place, session, flow}];
  if (tr.count == 0) tr.first = t;
  else if (t - tr.last >= kCandidate) tr.silences.emplace_back(tr.last, t);
  tr.last = t;
  ++tr.count;
  Time& session_last = session_last_[{place, session}];
  if (session_last < t) session_last = t;
}

std::string FlowArrivals::name(const Key& k) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s %08x/%u", k.place == ArrivalPlace::kSink ? "sink" : "echo", k.session, k.flow);
  return buf;
}

FlowArrivals::Outage FlowArrivals::outage(const std::vector<Time>& events, Duration slack) const {
  Outage o;
  double worst = 0;
  bool all_back = true;
  for (const auto& [key, tr] : flows_) {
    Duration threshold = kMinGap;
    if (tr.count > 1) threshold = std::max(threshold, 10 * ((tr.last - tr.first) / static_cast<int64_t>(tr.count - 1)));
    for (const auto& [start, end] : tr.silences) {
      const double s = seconds(end - start);
      if (end - start >= threshold && s > o.longest_gap) {
        o.longest_gap = s;
        o.longest_gap_flow = name(key);
      }
    }
    const Time session_end = session_last_.at({key.place, key.session});
    for (const Time e : events) {
      if (!(tr.first < e && session_end > e)) continue;  // the flow's session was not running
      if (tr.last <= e) {
        all_back = false;
        o.unrecovered.push_back(name(key));
        continue;
      }
      for (const auto& [start, end] : tr.silences) {
        if (end - start >= threshold && end > e && start < e + slack) {
          const double r = seconds(end - e);
          if (r > worst) {
            worst = r;
            o.worst_recovery_flow = name(key);
          }
          break;
        }
      }
    }
  }
  if (all_back) o.recovery = worst;
  return o;
}

}  // namespace phantasm::sim
