#include "harness/scenario/validate.h"

#include <algorithm>
#include <set>

#include "harness/scenario/expectation.h"
#include "harness/scenario/scenario_error.h"

namespace phantasm::scenario {
namespace {

bool usable_name(std::string_view name) {
  if (name.empty() || name.size() > 12 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

class Problems {
 public:
  explicit Problems(const Scenario& s) : s_(s) {}
  void add(SourceMark at, const std::string& message) { list_.push_back(located(s_.file, at, message)); }
  std::vector<std::string> take() { return std::move(list_); }

 private:
  const Scenario& s_;
  std::vector<std::string> list_;
};

bool is_host(std::string_view name) { return name == "client" || name == "server"; }

void check_middleboxes(const Scenario& s, Problems& p) {
  std::set<std::string> seen;
  for (const Middlebox& b : s.middleboxes) {
    if (!usable_name(b.name)) {
      p.add(b.mark, "middlebox name '" + b.name + "': use 1-12 lowercase letters and digits, starting with a letter");
    }
    if (is_host(b.name)) p.add(b.mark, "middlebox name '" + b.name + "' is taken by an end host");
    if (!seen.insert(b.name).second) p.add(b.mark, "middlebox name '" + b.name + "' is used twice");
    if (b.isn_rewrite && (b.firewall || b.nat)) {
      // The relay sits before the box's conntrack in both directions, so conntrack would see
      // the client's numbers shifted but the server's acknowledgements not: put it in its own box.
      p.add(b.isn_rewrite->mark, "isn_rewrite cannot share a middlebox with a firewall or NAT (its conntrack would "
                                 "see two numberings); give it a middlebox of its own in front of them");
    }
    if (b.strip_options && b.strip_options->via == Realisation::kKernel) {
      for (uint8_t kind : b.strip_options->kinds) {
        if (!kernel_can_strip(kind)) {
          p.add(b.strip_options->mark, "strip_options: nft cannot name option kind " + std::to_string(kind) +
                                           "; add 'via: relay'");
        }
      }
    }
    if (b.strip_options && !b.strip_options->on.syn && !b.strip_options->on.syn_ack && !b.strip_options->all_segments) {
      p.add(b.strip_options->mark, "strip_options: 'on' selects no segment");
    }
    if (b.impairments && b.impairments->loss >= 1) p.add(b.impairments->mark, "impairments.loss: 100% passes nothing");
  }
}

void check_traffic(const Scenario& s, Problems& p) {
  std::set<std::string> names;
  uint64_t flows = 0;
  for (const FlowGroup& g : s.traffic) {
    if (!names.insert(g.name).second) p.add(g.mark, "traffic: flow group name '" + g.name + "' is used twice");
    if (g.duration.count() <= 0) p.add(g.mark, "traffic: duration must be positive");
    flows += g.flows;
  }
  if (flows > 20000) p.add(s.traffic.front().mark, "traffic: more than 20000 flows in all (the client's port range)");
}

void check_events(const Scenario& s, Problems& p) {
  const Millis end = s.traffic_end();
  for (const Event& e : s.events) {
    if (e.at > end) p.add(e.mark, "event at " + std::to_string(e.at.count()) + " ms is after the traffic ends");
    const Middlebox* box = s.find_middlebox(e.target);
    switch (e.kind) {
      case EventKind::kFlushConntrack:
        if (!box && !is_host(e.target)) p.add(e.mark, "flush_conntrack: no middlebox or host named '" + e.target + "'");
        break;
      case EventKind::kRebindNat:
        if (!box || !box->nat) p.add(e.mark, "rebind_nat: '" + e.target + "' is not a middlebox with a nat");
        break;
      case EventKind::kInjectRst:
        if (!box || !box->rst_injection) p.add(e.mark, "inject_rst: '" + e.target + "' is not a middlebox with rst_injection");
        break;
      case EventKind::kIdle:
        if (e.length.count() <= 0) p.add(e.mark, "idle: needs a positive length");
        break;
      case EventKind::kRestartServer:
      case EventKind::kRestartClient:
        break;
    }
  }
  const bool idle_overlap = std::any_of(s.events.begin(), s.events.end(), [&](const Event& a) {
    return a.kind == EventKind::kIdle && std::any_of(s.events.begin(), s.events.end(), [&](const Event& b) {
             return &a != &b && b.kind == EventKind::kIdle && b.at >= a.at && b.at < a.at + a.length;
           });
  });
  if (idle_overlap) p.add(s.events.front().mark, "events: two idle periods overlap");
}

void check_expectation(const Scenario& s, Problems& p) {
  const bool disruptive = std::any_of(s.events.begin(), s.events.end(), [](const Event& e) { return e.disrupts; });
  for (const Check& c : s.expect.checks) {
    for (const std::string& w : c.where) {
      if (!is_host(w) && !s.find_middlebox(w)) p.add(c.mark, c.quantity + ".where: no middlebox or host named '" + w + "'");
    }
    if (c.quantity == "recovery" && !disruptive) {
      p.add(c.mark, "recovery: the scenario has no disruptive event to recover from");
    }
  }
}

}  // namespace

bool kernel_can_strip(uint8_t kind) {
  // nft 1.0.6 names: maxseg (2), window (3), sack-perm (4), sack (5), timestamp (8).
  return kind == 2 || kind == 3 || kind == 4 || kind == 5 || kind == 8;
}

std::vector<std::string> validate(const Scenario& s) {
  Problems p(s);
  const bool name_ok = !s.name.empty() && std::all_of(s.name.begin(), s.name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
  if (!name_ok) p.add({}, "name '" + s.name + "': use lowercase letters, digits, '-', '_', '.'");
  check_middleboxes(s, p);
  check_traffic(s, p);
  check_events(s, p);
  check_expectation(s, p);
  return p.take();
}

}  // namespace phantasm::scenario
