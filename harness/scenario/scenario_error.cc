#include "harness/scenario/scenario_error.h"

namespace phantasm::scenario {

std::string located(std::string_view file, SourceMark mark, std::string_view message) {
  std::string out(file);
  if (mark.line > 0) out += ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
  out += ": ";
  out += message;
  return out;
}

ScenarioError::ScenarioError(std::string_view file, SourceMark mark, std::string_view message)
    : std::runtime_error(located(file, mark, message)) {}

ScenarioError::ScenarioError(std::string_view file, std::string_view message)
    : std::runtime_error(located(file, SourceMark{}, message)) {}

ScenarioError ScenarioError::preformatted(const std::string& lines) { return ScenarioError(lines); }

}  // namespace phantasm::scenario
