// Every file of the catalogue parses and validates, and names a verdict with its reason.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/scenario/parse.h"

namespace phantasm::scenario {
namespace {

TEST(Catalogue, EveryScenarioFileIsValid) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(PHANTASM_SCENARIOS_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    try {
      const Scenario s = load_scenario(entry.path().string());
      EXPECT_EQ(s.name + ".yaml", entry.path().filename().string()) << "file name and scenario name differ";
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GT(files, 0u);
}

}  // namespace
}  // namespace phantasm::scenario
