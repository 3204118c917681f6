#include "harness/scenario/scenario.h"

#include <algorithm>

namespace phantasm::scenario {

bool Middlebox::needs_relay() const {
  return isn_rewrite || rst_injection || normaliser || dpi || impairments ||
         (strip_options && strip_options->via == Realisation::kRelay);
}

Millis Scenario::traffic_end() const {
  Millis end{0};
  for (const FlowGroup& g : traffic) end = std::max(end, g.start + g.duration);
  // Idle periods stretch the traffic that runs across them.
  for (const Event& e : events) {
    if (e.kind == EventKind::kIdle && e.at < end) end += e.length;
  }
  return end;
}

const Middlebox* Scenario::find_middlebox(std::string_view box_name) const {
  for (const Middlebox& b : middleboxes) {
    if (b.name == box_name) return &b;
  }
  return nullptr;
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kIncompatible: return "incompatible";
  }
  return "?";
}

std::string_view to_string(Family f) { return f == Family::kIpv4 ? "ipv4" : "ipv6"; }

std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::kFlushConntrack: return "flush_conntrack";
    case EventKind::kRebindNat: return "rebind_nat";
    case EventKind::kRestartServer: return "restart_server";
    case EventKind::kRestartClient: return "restart_client";
    case EventKind::kIdle: return "idle";
    case EventKind::kInjectRst: return "inject_rst";
  }
  return "?";
}

std::string_view to_string(FirewallProfile p) {
  switch (p) {
    case FirewallProfile::kOpen: return "open";
    case FirewallProfile::kStateful: return "stateful";
    case FirewallProfile::kStrict: return "strict";
  }
  return "?";
}

}  // namespace phantasm::scenario
