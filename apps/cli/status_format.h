// `phantasm status` output: the daemon's JSON (apps/daemons/status_report.h) as a table of
// flows and a block of totals, for people. Pure functions, unit-tested.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace phantasm::cli {

// "42 B", "1.5 KiB", "3.2 MiB", ...
std::string human_bytes(uint64_t bytes);
// "12s", "5m03s", "2h05m", "3d04h"
std::string human_duration(double seconds);
// The whole report: header line, flow table (or "no flows"), totals, drops.
std::string format_status_table(const nlohmann::json& status);

}  // namespace phantasm::cli
