// The simulation's verdict table, its JSON (the netns runner's format, netns-tests/runner/
// report.h, so the same tools read both), and the cross-check table: every scenario's ns-3
// verdict and numbers beside the netns ones read from a `phantasm netns run --json` file, with
// "agree" as DESIGN.md §6 defines it (verdicts match, every checked value within its tolerance).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/scenario/expectation.h"
#include "harness/scenario/scenario.h"
#include "sim/helper/sim_run.h"

namespace phantasm::sim {

std::string verdict_header();
std::string verdict_row(const scenario::Scenario& s, const SimRunResult& r);
std::string run_details(const SimRunResult& r);

// The netns runner's JSON, plus "host": "ns-3". "seconds" is simulated time here: the file
// must come out byte for byte the same from the same seed, so wall time stays out of it.
std::string results_json(const std::vector<scenario::Scenario>& scenarios, const std::vector<SimRunResult>& runs);

// One run as read back from a results JSON (either runner's).
struct RecordedRun {
  std::string scenario;
  std::string tunnel;
  std::string verdict;
  std::string error;
  scenario::Measurements measurements;
};
std::vector<RecordedRun> read_results_json(const std::string& path);

struct CrossCheck {
  std::string markdown;
  size_t compared = 0;
  size_t agreed = 0;
};
// Scenarios without a netns run are listed as "not run in netns".
CrossCheck cross_check(const std::vector<scenario::Scenario>& scenarios, const std::vector<SimRunResult>& sim,
                       const std::vector<RecordedRun>& netns);

// The short form of the numbers, as both runners print them.
std::string short_numbers(const scenario::Measurements& m);

}  // namespace phantasm::sim
