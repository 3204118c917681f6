// The highest loss-free rate of one mode and stream count: offered load doubles from a start
// rate until a trial loses datagrams (or the cap is reached), then bisects between the last
// loss-free and the first lossy rate. One tunnel session serves the whole search.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/netns/bench_topology.h"
#include "bench/netns/modes.h"

namespace phantasm::bench {

struct SearchSettings {
  int seconds = 3;
  int start_mbit = 200;  // all streams together
  int max_mbit = 4000;
  int bisections = 3;
  double max_loss_percent = 0.0;
  int length = 1400;
  int nice = 0;
};

using SearchProgress = std::function<void(const nlohmann::json& step)>;

// {"mode", "streams", "loss_free_offered_mbps", "loss_free_received_mbps", "capped", "steps": [...]}
nlohmann::json search_loss_free(const BenchTopology& topology, const ModeSpec& mode, int streams,
                                const SearchSettings& settings, const std::string& log_prefix,
                                const SearchProgress& progress);

}  // namespace phantasm::bench
