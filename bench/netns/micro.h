// The Google Benchmark micro-benchmarks (bench/phantasm_micro_bench), run with --benchmark_out
// so that their JSON lands in the bench results next to the network numbers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace phantasm::bench {

// The benchmark's own JSON document, or {"skipped": reason}.
nlohmann::json run_micro_benchmarks(const std::string& binary, const std::string& min_time,
                                    const std::string& out_path);

}  // namespace phantasm::bench
