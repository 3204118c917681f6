#include "netns-tests/runner/report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <set>

namespace phantasm::netns {
namespace {

std::string short_numbers(const RunResult& r) {
  const auto& m = r.measurements;
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

std::string outcome(const scenario::Scenario& s, const RunResult& r) {
  if (!r.error.empty()) return "ERROR";
  if (r.tunnel != "phantasm") return "";  // foreign tunnels are measured, not judged
  return r.judgement.as_expected ? "as expected" : fmt::format("UNEXPECTED (expected {})", scenario::to_string(s.expect.verdict));
}

}  // namespace

std::string verdict_header() {
  return fmt::format("{:<28} {:<9} {:<13} {:<24} {}\n", "scenario", "tunnel", "verdict", "outcome", "numbers");
}

std::string verdict_row(const scenario::Scenario& s, const RunResult& r) {
  return fmt::format("{:<28} {:<9} {:<13} {:<24} {} ({:.0f} s)\n", s.name, r.tunnel,
                     scenario::to_string(r.judgement.observed), outcome(s, r), short_numbers(r), r.seconds);
}

std::string run_details(const RunResult& r) {
  std::string out;
  if (!r.error.empty()) out += "    error: " + r.error + "\n";
  for (const auto& c : r.judgement.results) out += "    " + c.describe() + "\n";
  for (const auto& n : r.notes) out += "    " + n + "\n";
  if (!r.work_dir.empty()) out += "    logs kept in " + r.work_dir + "\n";
  return out;
}

std::string results_json(const std::vector<scenario::Scenario>& scenarios, const std::vector<RunResult>& runs) {
  nlohmann::json out = nlohmann::json::array();
  for (const RunResult& r : runs) {
    const scenario::Scenario* s = nullptr;
    for (const auto& sc : scenarios) {
      if (sc.name == r.scenario) s = &sc;
    }
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : r.judgement.results) checks.push_back({{"check", c.describe()}, {"ok", c.ok}});
    out.push_back({{"scenario", r.scenario},
                   {"catalogue", s ? s->catalogue : ""},
                   {"tunnel", r.tunnel},
                   {"verdict", scenario::to_string(r.judgement.observed)},
                   {"expected", s ? std::string(scenario::to_string(s->expect.verdict)) : ""},
                   {"as_expected", r.judgement.as_expected},
                   {"measurements", r.measurements.all()},
                   {"checks", checks},
                   {"notes", r.notes},
                   {"error", r.error},
                   {"seconds", r.seconds}});
  }
  return out.dump(2) + "\n";
}

std::string matrix_markdown(const std::vector<scenario::Scenario>& scenarios, const std::vector<RunResult>& runs) {
  std::vector<std::string> tunnels;
  for (const RunResult& r : runs) {
    if (std::find(tunnels.begin(), tunnels.end(), r.tunnel) == tunnels.end()) tunnels.push_back(r.tunnel);
  }
  std::string out = "| scenario | catalogue |";
  for (const auto& t : tunnels) out += " " + t + " |";
  out += "\n|---|---|";
  for (size_t i = 0; i < tunnels.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& s : scenarios) {
    out += "| " + s.name + " | " + s.catalogue + " |";
    for (const auto& t : tunnels) {
      std::string cell = "-";
      for (const RunResult& r : runs) {
        if (r.scenario == s.name && r.tunnel == t) {
          cell = std::string(scenario::to_string(r.judgement.observed)) + " (" + short_numbers(r) + ")";
        }
      }
      out += " " + cell + " |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace phantasm::netns
