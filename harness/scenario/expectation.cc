#include "harness/scenario/expectation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace phantasm::scenario {

const std::vector<QuantityInfo>& quantities() {
  static const std::vector<QuantityInfo> kQuantities = {
      {"delivered", QuantityUnit::kFraction, false, "datagrams delivered / sent, all flows and directions"},
      {"lost", QuantityUnit::kCount, false, "datagrams sent and never delivered"},
      {"corrupted", QuantityUnit::kCount, false, "datagrams delivered with any byte changed"},
      {"duplicated", QuantityUnit::kCount, false, "datagrams delivered more than once"},
      {"invalid", QuantityUnit::kCount, true, "packets conntrack found INVALID (conntrack -S + nft counter)"},
      {"assured", QuantityUnit::kCount, true, "namespaces whose conntrack holds the flow ESTABLISHED [ASSURED]"},
      {"recovery", QuantityUnit::kSeconds, false,
       "time from a disruptive event until every flow (the probe and each traffic flow) delivers again; the worst"},
      {"gap", QuantityUnit::kSeconds, false, "the longest silence of any traffic or probe flow while it was sending"},
      {"reconnects", QuantityUnit::kCount, false,
       "fake-TCP connections beyond one per flow (answered handshakes carrying the same flow, on the client's wire)"},
      {"leaked", QuantityUnit::kCount, false, "packets on the middleboxes' wires with a TUN-private source"},
      {"malformed", QuantityUnit::kCount, false,
       "packets on the wires with a bad IPv4 or TCP checksum, a TCP segment without flags, or FIN without ACK"},
      {"resets", QuantityUnit::kCount, false, "RSTs the tunnel endpoints received"},
  };
  return kQuantities;
}

const QuantityInfo* find_quantity(std::string_view name) {
  for (const QuantityInfo& q : quantities()) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

std::string quantity_names() {
  std::string out;
  for (const QuantityInfo& q : quantities()) out += (out.empty() ? "" : ", ") + std::string(q.name);
  return out;
}

void add_implicit_checks(Expectation& e) {
  for (std::string_view q : {"corrupted", "leaked", "malformed"}) {
    const bool stated = std::any_of(e.checks.begin(), e.checks.end(), [&](const Check& c) { return c.quantity == q; });
    if (!stated) e.checks.push_back(Check{std::string(q), 0.0, 0.0, std::nullopt, {}, {}});
  }
}

void Measurements::set(std::string_view quantity, std::string_view where, double value) {
  set(std::string(quantity) + "@" + std::string(where), value);
}

std::optional<double> Measurements::get(std::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<double> Measurements::value_for(const Check& check) const {
  if (check.where.empty()) return get(check.quantity);
  double sum = 0;
  for (const std::string& w : check.where) {
    const auto v = get(check.quantity + "@" + w);
    if (!v) return std::nullopt;
    sum += *v;
  }
  return sum;
}

std::string format_value(const QuantityInfo& info, double value) {
  char buf[64];
  switch (info.unit) {
    case QuantityUnit::kFraction: std::snprintf(buf, sizeof buf, "%.3f%%", value * 100); break;
    case QuantityUnit::kSeconds: std::snprintf(buf, sizeof buf, "%.1f s", value); break;
    case QuantityUnit::kCount: std::snprintf(buf, sizeof buf, "%.0f", value); break;
  }
  return buf;
}

std::string CheckResult::describe() const {
  const QuantityInfo* info = find_quantity(check.quantity);
  std::string name = check.quantity;
  for (size_t i = 0; i < check.where.size(); ++i) name += (i ? "," : "@") + check.where[i];
  std::string bounds;
  if (check.min && check.max && *check.min == *check.max) {
    bounds = "= " + format_value(*info, *check.min);
  } else {
    if (check.min) bounds += "min " + format_value(*info, *check.min);
    if (check.max) bounds += std::string(bounds.empty() ? "" : ", ") + "max " + format_value(*info, *check.max);
  }
  const std::string shown = value ? format_value(*info, *value) : "not measured";
  return name + " " + shown + " (" + bounds + "): " + (ok ? "ok" : "FAILED");
}

Judgement judge(const Expectation& e, const Measurements& m) {
  Judgement j;
  bool all_ok = true;
  for (const Check& c : e.checks) {
    CheckResult r{c, m.value_for(c), false};
    // A small epsilon: fractions are computed from counts and printed rounded.
    r.ok = r.value && (!c.min || *r.value >= *c.min - 1e-9) && (!c.max || *r.value <= *c.max + 1e-9);
    all_ok = all_ok && r.ok;
    j.results.push_back(std::move(r));
  }
  if (all_ok) j.observed = Verdict::kPass;
  else j.observed = e.verdict == Verdict::kIncompatible ? Verdict::kIncompatible : Verdict::kFail;
  j.as_expected = j.observed == e.verdict;
  return j;
}

std::vector<std::string> disagreements(const Expectation& e, const Measurements& a, const Measurements& b) {
  std::vector<std::string> out;
  const Judgement ja = judge(e, a);
  const Judgement jb = judge(e, b);
  if (ja.observed != jb.observed) {
    out.push_back("verdicts differ: " + std::string(to_string(ja.observed)) + " and " + std::string(to_string(jb.observed)));
  }
  for (size_t i = 0; i < e.checks.size(); ++i) {
    const CheckResult& ra = ja.results[i];
    const CheckResult& rb = jb.results[i];
    const Check& c = e.checks[i];
    if (c.tolerance && ra.value && rb.value) {
      if (std::fabs(*ra.value - *rb.value) > *c.tolerance + 1e-9) {
        out.push_back(ra.describe() + " vs " + rb.describe() + ": differ by more than the tolerance");
      }
    } else if (ra.ok != rb.ok) {
      out.push_back(ra.describe() + " vs " + rb.describe());
    }
  }
  return out;
}

}  // namespace phantasm::scenario
