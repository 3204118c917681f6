// The error every scenario problem is reported with: "file:line:column: what is wrong", so an
// editor jumps to it. Parsing stops at the first problem; validation collects them all.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "harness/scenario/scenario.h"

namespace phantasm::scenario {

class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string_view file, SourceMark mark, std::string_view message);
  ScenarioError(std::string_view file, std::string_view message);  // the whole file
  // Several problems, each already located (validation).
  static ScenarioError preformatted(const std::string& lines);

 private:
  explicit ScenarioError(const std::string& what) : std::runtime_error(what) {}
};

std::string located(std::string_view file, SourceMark mark, std::string_view message);

}  // namespace phantasm::scenario
