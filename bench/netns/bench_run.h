// A whole `phantasm bench` run: topology, machine facts, the Google Benchmark micro-benchmarks,
// the interleaved repetitions of every mode and stream count, the loss-free search, and the
// summary, as one JSON document (schema in bench/netns/README.md). Progress goes to `progress`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "bench/netns/bench_options.h"

namespace phantasm::bench {

nlohmann::json run_bench(const BenchOptions& options, std::ostream& progress);

}  // namespace phantasm::bench
