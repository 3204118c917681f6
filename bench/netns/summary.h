// Medians and spread over repetitions for every mode and stream count, and each mode as a
// ratio to direct UDP (and to the null relay) of the same run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace phantasm::bench {

// {"median", "min", "max", "values"} of the numbers (null entries skipped); all null when none.
nlohmann::json spread(const std::vector<double>& values);

// One entry per (mode, streams) that has rows, in the order of `modes` then `streams`.
nlohmann::json summarize(const nlohmann::json& rows, const std::vector<std::string>& modes,
                         const std::vector<int>& streams);

}  // namespace phantasm::bench
