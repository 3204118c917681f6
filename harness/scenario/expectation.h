// What a verdict is judged on. A run measures quantities (delivered fraction, losses, INVALID
// counts per namespace, recovery time...); judge() checks them against the scenario's
// expectation and says which verdict the run earned, and agree() whether two runs (netns and
// ns-3, or two tunnels) agree within the tolerances the scenario states.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/scenario.h"

namespace phantasm::scenario {

enum class QuantityUnit : uint8_t { kCount, kFraction, kSeconds };

struct QuantityInfo {
  std::string_view name;
  QuantityUnit unit;
  bool needs_where;  // measured per namespace: the check names which ones
  std::string_view meaning;
};

// delivered, lost, corrupted, duplicated, invalid, assured, recovery, gap, reconnects, leaked,
// malformed, resets.
const QuantityInfo* find_quantity(std::string_view name);
std::string quantity_names();
const std::vector<QuantityInfo>& quantities();

// Every scenario is also judged on corrupted == 0, leaked == 0 and malformed == 0 unless it
// says otherwise: a tunnel must never deliver a damaged datagram, leak its private addresses,
// or put a segment on the wire that a checksum or conntrack's flag check rejects.
void add_implicit_checks(Expectation& e);

// Measured values by key: "delivered", or "invalid@fw" for a per-namespace quantity.
class Measurements {
 public:
  void set(std::string key, double value) { values_[std::move(key)] = value; }
  void erase(std::string_view key) {
    if (auto it = values_.find(key); it != values_.end()) values_.erase(it);
  }
  void set(std::string_view quantity, std::string_view where, double value);
  std::optional<double> get(std::string_view key) const;
  // A check's value: the quantity itself, or the sum over its `where` namespaces (nothing if
  // any of them was not measured).
  std::optional<double> value_for(const Check& check) const;
  const std::map<std::string, double, std::less<>>& all() const { return values_; }

 private:
  std::map<std::string, double, std::less<>> values_;
};

struct CheckResult {
  Check check;
  std::optional<double> value;  // nothing: not measured (a failed check)
  bool ok = false;
  std::string describe() const;  // "invalid@fw,client = 0 (max 0): ok"
};

struct Judgement {
  Verdict observed = Verdict::kFail;
  bool as_expected = false;
  std::vector<CheckResult> results;
};

// All checks hold: pass. Otherwise fail, or incompatible when the scenario expects that (the
// middlebox defeats every fake TCP, and the run showed it).
Judgement judge(const Expectation& e, const Measurements& m);

// The checks whose values differ by more than their tolerance (checks without one must agree
// on ok / not ok only). Empty: the runs agree.
std::vector<std::string> disagreements(const Expectation& e, const Measurements& a, const Measurements& b);

std::string format_value(const QuantityInfo& info, double value);

}  // namespace phantasm::scenario
