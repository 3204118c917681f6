// The verdict table (printed as the runs finish), the JSON of every run, and the traversal
// matrix (tunnels x scenarios) as Markdown.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "netns-tests/runner/run.h"

namespace phantasm::netns {

std::string verdict_row(const scenario::Scenario& s, const RunResult& r);
std::string verdict_header();
std::string run_details(const RunResult& r);
std::string results_json(const std::vector<scenario::Scenario>& scenarios, const std::vector<RunResult>& runs);
std::string matrix_markdown(const std::vector<scenario::Scenario>& scenarios, const std::vector<RunResult>& runs);

}  // namespace phantasm::netns
