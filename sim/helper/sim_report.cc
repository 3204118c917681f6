#include "sim/helper/sim_report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <stdexcept>

namespace phantasm::sim {
namespace {

const scenario::Scenario* find(const std::vector<scenario::Scenario>& all, const std::string& name) {
  for (const auto& s : all) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

std::string short_numbers(const scenario::Measurements& m) {
  std::string out;
  if (auto d = m.get("delivered")) out += fmt::format("delivered {:.2f}%", *d * 100);
  if (auto rec = m.get("recovery")) out += fmt::format(", recovery {:.1f} s", *rec);
  double invalid = 0;
  for (const auto& [key, value] : m.all()) {
    if (key.rfind("invalid@", 0) == 0) invalid += value;
  }
  out += fmt::format(", invalid {:.0f}", invalid);
  if (auto dup = m.get("duplicated"); dup && *dup > 0) out += fmt::format(", dup {:.0f}", *dup);
  return out;
}

std::string verdict_header() {
  return fmt::format("{:<28} {:<13} {:<24} {}\n", "scenario", "verdict", "outcome", "numbers");
}

std::string verdict_row(const scenario::Scenario& s, const SimRunResult& r) {
  const std::string outcome = !r.error.empty()          ? "ERROR"
                              : r.judgement.as_expected ? "as expected"
                                                        : fmt::format("UNEXPECTED (expected {})", scenario::to_string(s.expect.verdict));
  return fmt::format("{:<28} {:<13} {:<24} {} ({:.0f} s simulated in {:.1f} s)\n", s.name,
                     scenario::to_string(r.judgement.observed), outcome, short_numbers(r.measurements), r.simulated_seconds,
                     r.wall_seconds);
}

std::string run_details(const SimRunResult& r) {
  std::string out;
  if (!r.error.empty()) out += "    error: " + r.error + "\n";
  for (const auto& c : r.judgement.results) out += "    " + c.describe() + "\n";
  for (const auto& n : r.notes) out += "    " + n + "\n";
  return out;
}

std::string results_json(const std::vector<scenario::Scenario>& scenarios, const std::vector<SimRunResult>& runs) {
  nlohmann::json out = nlohmann::json::array();
  for (const SimRunResult& r : runs) {
    const scenario::Scenario* s = find(scenarios, r.scenario);
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : r.judgement.results) checks.push_back({{"check", c.describe()}, {"ok", c.ok}});
    out.push_back({{"scenario", r.scenario},
                   {"catalogue", s ? s->catalogue : ""},
                   {"tunnel", r.tunnel},
                   {"host", "ns-3"},
                   {"verdict", scenario::to_string(r.judgement.observed)},
                   {"expected", s ? std::string(scenario::to_string(s->expect.verdict)) : ""},
                   {"as_expected", r.judgement.as_expected},
                   {"measurements", r.measurements.all()},
                   {"checks", checks},
                   {"notes", r.notes},
                   {"error", r.error},
                   {"seconds", r.simulated_seconds}});
  }
  return out.dump(2) + "\n";
}

std::vector<RecordedRun> read_results_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const nlohmann::json j = nlohmann::json::parse(in);
  std::vector<RecordedRun> out;
  for (const auto& run : j) {
    RecordedRun r;
    r.scenario = run.at("scenario").get<std::string>();
    r.tunnel = run.value("tunnel", "phantasm");
    r.verdict = run.at("verdict").get<std::string>();
    r.error = run.value("error", "");
    for (const auto& [key, value] : run.at("measurements").items()) r.measurements.set(key, value.get<double>());
    out.push_back(std::move(r));
  }
  return out;
}

CrossCheck cross_check(const std::vector<scenario::Scenario>& scenarios, const std::vector<SimRunResult>& sim,
                       const std::vector<RecordedRun>& netns) {
  CrossCheck x;
  std::string& md = x.markdown;
  md += "| scenario | catalogue | ns-3 | netns | agree | differences |\n|---|---|---|---|---|---|\n";
  for (const SimRunResult& r : sim) {
    const scenario::Scenario* s = find(scenarios, r.scenario);
    if (!s) continue;
    const std::string ours = fmt::format("{} ({})", scenario::to_string(r.judgement.observed), short_numbers(r.measurements));
    const RecordedRun* theirs = nullptr;
    for (const RecordedRun& n : netns) {
      if (n.scenario == r.scenario && n.tunnel == r.tunnel) theirs = &n;
    }
    if (!theirs) {
      md += fmt::format("| {} | {} | {} | not run | - | |\n", s->name, s->catalogue, ours);
      continue;
    }
    if (!theirs->error.empty()) {
      // A run that never got going measured nothing: there is nothing to compare.
      std::string why = theirs->error.substr(0, theirs->error.find('\n'));
      md += fmt::format("| {} | {} | {} | run failed | - | netns: {} |\n", s->name, s->catalogue, ours, why);
      continue;
    }
    ++x.compared;
    // The verdict netns recorded, against ours; then every check both runs measured: within
    // its tolerance, or (without one) both ok or both not. A check the netns file has no value
    // for (an older runner measured less) is named but not held against either.
    std::vector<std::string> diffs;
    std::vector<std::string> unmeasured;
    const scenario::Judgement mine = scenario::judge(s->expect, r.measurements);
    const scenario::Judgement other = scenario::judge(s->expect, theirs->measurements);
    if (std::string(scenario::to_string(mine.observed)) != theirs->verdict) {
      diffs.push_back("verdicts differ: ns-3 " + std::string(scenario::to_string(mine.observed)) + ", netns " + theirs->verdict);
    }
    for (size_t i = 0; i < s->expect.checks.size(); ++i) {
      const scenario::CheckResult& a = mine.results[i];
      const scenario::CheckResult& b = other.results[i];
      const scenario::Check& c = s->expect.checks[i];
      if (!b.value) {
        unmeasured.push_back(c.quantity);
        continue;
      }
      if (!a.value) {
        diffs.push_back(c.quantity + " not measured in ns-3");
      } else if (c.tolerance ? std::abs(*a.value - *b.value) > *c.tolerance + 1e-9 : a.ok != b.ok) {
        diffs.push_back(a.describe() + " vs " + b.describe());
      }
    }
    const bool agree = diffs.empty();
    if (agree) ++x.agreed;
    std::string joined;
    for (const std::string& d : diffs) joined += (joined.empty() ? "" : "; ") + d;
    if (!unmeasured.empty()) {
      std::string list;
      for (const std::string& q : unmeasured) list += (list.empty() ? "" : ", ") + q;
      joined += (joined.empty() ? "" : "; ") + ("(not in the netns file: " + list + ")");
    }
    md += fmt::format("| {} | {} | {} | {} ({}) | {} | {} |\n", s->name, s->catalogue, ours, theirs->verdict,
                      short_numbers(theirs->measurements), agree ? "yes" : "NO", joined);
  }
  md += fmt::format("\n{} of {} scenarios run in both agree.\n", x.agreed, x.compared);
  return x;
}

}  // namespace phantasm::sim
