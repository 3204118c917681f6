// What the numbers depend on, recorded with them: cores and CPU model, kernel, iperf3's version
// and whether it is single-threaded (before 3.16 every -P stream shares one thread), the load
// before the run, the veths' offload settings, and the socket buffer and backlog sysctls.
#pragma once

#include <nlohmann/json.hpp>

#include "bench/netns/bench_topology.h"

namespace phantasm::bench {

nlohmann::json machine_facts(const BenchTopology& topology);
// "3.12" from `iperf3 --version`; empty when iperf3 is missing.
std::string iperf3_version();

}  // namespace phantasm::bench
