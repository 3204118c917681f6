#include "bench/netns/loss_free.h"

#include <algorithm>

#include "bench/netns/trial.h"

namespace phantasm::bench {

nlohmann::json search_loss_free(const BenchTopology& topology, const ModeSpec& mode, int streams,
                                const SearchSettings& settings, const std::string& log_prefix,
                                const SearchProgress& progress) {
  TunnelSession session(topology, mode, log_prefix);
  nlohmann::json steps = nlohmann::json::array();
  int good = 0, bad = 0, step_index = 0;
  double good_received = 0;
  // try(rate): one short trial at `rate` Mbit/s in total; true when it lost nothing (beyond the
  // allowed fraction) and ran without error.
  auto attempt = [&](int rate) {
    TrialRequest request;
    request.shape = IperfShape{streams, std::to_string(std::max(1, rate / streams)) + "m", settings.length,
                               settings.seconds};
    request.log_path = log_prefix + "-step" + std::to_string(step_index++) + ".json";
    request.nice = settings.nice;
    const nlohmann::json row = run_trial(topology, session, request);
    const bool ok = row.value("error", "").empty() && row.value("lost_packets", 1LL) >= 0 &&
                    row.value("loss_percent", 100.0) <= settings.max_loss_percent &&
                    row.value("received_packets", 0LL) > 0;
    nlohmann::json step{{"offered_mbps", rate},
                        {"sender_mbps", row.value("sender_mbps", 0.0)},
                        {"receiver_mbps", row.value("receiver_mbps", 0.0)},
                        {"loss_percent", row.value("loss_percent", 0.0)},
                        {"loss_free", ok},
                        {"error", row.value("error", "")}};
    steps.push_back(step);
    if (progress) progress(step);
    if (ok) good_received = std::max(good_received, row.value("receiver_mbps", 0.0));
    return ok;
  };
  for (int rate = settings.start_mbit;;) {
    if (!attempt(rate)) {
      bad = rate;
      break;
    }
    good = rate;
    if (rate >= settings.max_mbit) break;
    rate = std::min(rate * 2, settings.max_mbit);
  }
  for (int i = 0; bad > 0 && i < settings.bisections && bad - good > 10; ++i) {
    const int mid = (good + bad) / 2;
    if (attempt(mid)) good = mid;
    else bad = mid;
  }
  return nlohmann::json{{"mode", mode.name},
                        {"label", mode.label},
                        {"streams", streams},
                        {"loss_free_offered_mbps", good},
                        {"loss_free_received_mbps", good > 0 ? nlohmann::json(good_received) : nlohmann::json()},
                        {"first_lossy_offered_mbps", bad > 0 ? nlohmann::json(bad) : nlohmann::json()},
                        {"capped", bad == 0},
                        {"tunnel", session.stop()},
                        {"steps", steps}};
}

}  // namespace phantasm::bench
