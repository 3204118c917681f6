// Fuzzes the scenario parser and validator: any input either parses into a Scenario or is
// rejected with a ScenarioError; nothing else (no crash, no other exception, no hang).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/scenario/parse.h"
#include "harness/scenario/scenario_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto s = phantasm::scenario::parse_scenario(text, "fuzz.yaml");
    (void)s.traffic_end();
  } catch (const phantasm::scenario::ScenarioError&) {
  }
  return 0;
}
