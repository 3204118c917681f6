// Reading scenario files. Every problem is a ScenarioError naming file:line:column; the result
// is also validated (validate.h), so a Scenario that comes back is ready to run.
#pragma once

#include <string>
#include <string_view>

#include "harness/scenario/scenario.h"

namespace phantasm::scenario {

// `file` names the text in messages.
Scenario parse_scenario(std::string_view yaml_text, std::string file);
Scenario load_scenario(const std::string& path);

}  // namespace phantasm::scenario
